import type { RunRecord } from "../core/run-record.ts";
import { readPromptLink } from "./prompt-link.ts";
import type { PromptLink } from "./prompt-link.ts";

/**
 * Decides, in the order runs finish, which registry template each model run is linked to.
 *
 * A model run is linked when it carries the link itself (metadata or tags, usually inherited from
 * `config.metadata`), or when a chain run carrying it — a prompt template made by `getPromptTemplate`,
 * or one given `.withConfig({ metadata: promptLayerPrompt(...) })` — finished earlier under the same
 * parent: `prompt.pipe(model)` runs the prompt, then the model, as siblings. The prompt run's inputs
 * are then the input variables, unless the link names them.
 *
 * Synchronous and cheap (it runs on the hot path). Bounded: an entry waits for the next model run
 * under its parent and is dropped when it is used, when the parent finishes, or when more than
 * `maxPending` parents wait (oldest first).
 */
export class PromptLinkRegistry {
  readonly #pending = new Map<string, PromptLink>();
  readonly #maxPending: number;

  constructor(maxPending = 1024) {
    this.#maxPending = maxPending;
  }

  /** The link of a model run, or undefined; records every chain run that carries one. */
  linkFor(record: RunRecord): PromptLink | undefined {
    const own = readPromptLink(record);
    const parent = record.parentRunId;
    if (record.payload.kind === "model") {
      const pending = parent === undefined ? undefined : this.#pending.get(parent);
      if (pending !== undefined && parent !== undefined) this.#pending.delete(parent);
      if (own === undefined) return pending;
      if (own.inputVariables === undefined && pending?.inputVariables !== undefined && pending.name === own.name) {
        return { ...own, inputVariables: pending.inputVariables };
      }
      return own;
    }
    // A finished run's children are done: nothing can follow under it any more.
    if (this.#pending.size > 0) this.#pending.delete(record.runId);
    if (own === undefined || parent === undefined || record.payload.kind !== "chain") return undefined;
    const inputs = record.payload.inputs;
    const link =
      own.inputVariables === undefined && typeof inputs === "object" && inputs !== null && !Array.isArray(inputs)
        ? { ...own, inputVariables: inputs }
        : own;
    this.#pending.delete(parent);
    this.#pending.set(parent, link);
    if (this.#pending.size > this.#maxPending) {
      const oldest = this.#pending.keys().next();
      if (oldest.done !== true) this.#pending.delete(oldest.value);
    }
    return undefined;
  }

  /** Parents waiting for a model run (for tests and stats). */
  get pendingCount(): number {
    return this.#pending.size;
  }
}
