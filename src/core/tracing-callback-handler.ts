/**
 * The LangChain side of the run-tracking core: maps every callback that carries data onto the
 * {@link RunTracker} and hands finished records (after `hideInputs`/`hideOutputs` and `mask`) to
 * the subclass's {@link TracingCallbackHandler.handleRecord}. Vendor handlers extend it.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { CallbackError } from "../errors.ts";
import type { LlmopsError } from "../errors.ts";
import type { RunRecord, RunType } from "./run-record.ts";
import type { RunStart } from "./open-run.ts";
import { deepFreeze } from "./build-record.ts";
import { hideRecord } from "./hide-payload.ts";
import { startModelInfo } from "./model-info.ts";
import { readField } from "./read-field.ts";
import { RunTracker } from "./run-tracker.ts";
import type { TrackerStats } from "./run-tracker.ts";
import type { HidePredicate, ResolvedTracingOptions, TracingOptions } from "./tracing-options.ts";
import { resolveTracingOptions } from "./tracing-options.ts";
import { sanitize } from "./sanitize.ts";
import type { SanitizeLimits } from "./sanitize.ts";

/** Counters of a tracing handler: the tracker's plus what happened after a record was built. */
export interface TracingStats extends TrackerStats {
  /** Records handed to the exporter (`handleRecord`). */
  readonly recordsDelivered: number;
  /** Records `mask` replaced with a changed record. */
  readonly recordsMasked: number;
  /** Records `mask` dropped (returned `undefined`) or that were dropped because `mask` failed. */
  readonly recordsDropped: number;
  /** `mask` threw or returned something that is not a record. */
  readonly maskErrors: number;
  /** Internal failures caught inside a `handle*` method (never thrown into the chain). */
  readonly handlerErrors: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `runName`, else the serialized `name`, else the class in the serialized id. */
function runNameOf(runName: unknown, serialized: unknown, fallback: string): string {
  if (typeof runName === "string" && runName !== "") return runName.slice(0, 256);
  const name = readField(serialized, "name");
  if (typeof name === "string" && name !== "") return name.slice(0, 256);
  const id = readField(serialized, "id");
  const last: unknown = Array.isArray(id) ? id[id.length - 1] : undefined;
  if (typeof last === "string" && last !== "") return last.slice(0, 256);
  return fallback;
}

/**
 * Base class of the package's LangChain callback handlers. It turns LangChain's callback events
 * into finished, frozen {@link RunRecord}s, one per run, and passes each to {@link handleRecord}.
 *
 * - Runs inline (`awaitHandlers = true`): LangChain calls it directly instead of queueing it behind
 *   other handlers, so start and end times are measured when they happen. Every `handle*` method is
 *   synchronous, cheap (no I/O, no serialization; values are sanitized once, when the run ends) and
 *   never throws into your chain: internal failures go to `onError`.
 * - Give it in `config.callbacks` at invoke time to trace the whole tree (chains, graph nodes, model
 *   calls, tools) in one trace. Given to a model's constructor it sees only that model's runs: each
 *   call is then a root of its own trace (with the caller's run id in `externalParentRunId` when
 *   LangChain reports one). Set the `traceId` option, or `traceId` in `config.metadata`, to keep such
 *   calls in one trace. See {@link RunTracker} for the full trace id rules.
 *
 * @example
 * class CollectingHandler extends TracingCallbackHandler {
 *   readonly records: RunRecord[] = [];
 *   constructor() { super({ name: "collect", hideInputs: true }); }
 *   protected handleRecord(record: RunRecord) { this.records.push(record); }
 * }
 * await agent.invoke(input, { callbacks: [new CollectingHandler()] });
 */
export abstract class TracingCallbackHandler extends BaseCallbackHandler {
  readonly name: string;
  readonly #options: ResolvedTracingOptions;
  readonly #tracker: RunTracker;
  /** Bounds for a record `mask` changed: the record's own, with room for the record's nesting. */
  readonly #maskedLimits: SanitizeLimits;
  #recordsDelivered = 0;
  #recordsMasked = 0;
  #recordsDropped = 0;
  #maskErrors = 0;
  #handlerErrors = 0;

  /** @throws {ConfigError} when an option is invalid (the error names it and its value). */
  constructor(options: TracingOptions & { name?: string }) {
    super({ _awaitHandler: true });
    this.awaitHandlers = true;
    const name: unknown = options.name;
    this.name = typeof name === "string" && name !== "" ? name : "langchain_llmops";
    this.#options = resolveTracingOptions(options);
    this.#maskedLimits = { maxStringLength: this.#options.maxStringLength, maxDepth: 32, maxNodes: 200_000 };
    this.#tracker = new RunTracker({
      traceId: this.#options.traceId,
      maxStringLength: this.#options.maxStringLength,
      maxOpenRuns: this.#options.maxOpenRuns,
      runTtlMs: this.#options.runTtlMs,
      onRecord: (record) => this.#deliver(record),
      onEvict: (error) => this.#report(error),
    });
  }

  /**
   * Receives every finished record (already hidden/masked as configured). Called synchronously from
   * LangChain's callback: enqueue and return; never do I/O here.
   */
  protected abstract handleRecord(record: RunRecord): void;

  /**
   * Called when a root run (in this handler's view) has ended, after its record was handed to
   * {@link handleRecord} — or dropped by `mask`, which does not stop this call. Synchronous, like
   * `handleRecord`. Does nothing by default; exporting handlers send in serverless mode here.
   */
  protected handleRootEnd(_traceId: string): void {}

  /** Counters: open runs, records produced and delivered, duplicates and unknown ends ignored, evictions, drops. */
  trackerStats(): TracingStats {
    return {
      ...this.#tracker.stats(),
      recordsDelivered: this.#recordsDelivered,
      recordsMasked: this.#recordsMasked,
      recordsDropped: this.#recordsDropped,
      maskErrors: this.#maskErrors,
      handlerErrors: this.#handlerErrors,
    };
  }

  /** Reports an error to the `onError` option (never throws). For subclasses' own failures too. */
  protected reportError(error: LlmopsError): void {
    this.#report(error);
  }

  /** Stops the eviction timer (it is `unref()`'d and stops by itself when no run is open). */
  protected disposeTracking(): void {
    this.#tracker.dispose();
  }

  /** LangChain's `copy()` would build a new handler from this one's fields; the tracker's state must stay one. */
  override copy(): this {
    return this;
  }

  override handleLLMStart(
    llm: unknown,
    prompts: unknown,
    runId: unknown,
    parentRunId?: unknown,
    extraParams?: unknown,
    tags?: unknown,
    metadata?: unknown,
    runName?: unknown,
  ): void {
    this.#guard("handleLLMStart", () => {
      const invocationParams = readField(extraParams, "invocation_params");
      this.#start(runId, parentRunId, "llm", runNameOf(runName, llm, "llm"), tags, metadata, {
        kind: "model",
        prompts,
        invocationParams,
        info: startModelInfo(llm, invocationParams, metadata),
      });
    });
  }

  override handleChatModelStart(
    llm: unknown,
    messages: unknown,
    runId: unknown,
    parentRunId?: unknown,
    extraParams?: unknown,
    tags?: unknown,
    metadata?: unknown,
    runName?: unknown,
  ): void {
    this.#guard("handleChatModelStart", () => {
      const invocationParams = readField(extraParams, "invocation_params");
      this.#start(runId, parentRunId, "chat_model", runNameOf(runName, llm, "chat_model"), tags, metadata, {
        kind: "model",
        messages: readField(messages, "0"),
        invocationParams,
        info: startModelInfo(llm, invocationParams, metadata),
      });
    });
  }

  override handleLLMNewToken(
    token: unknown,
    _idx: unknown,
    runId: unknown,
    _parentRunId?: unknown,
    _tags?: unknown,
    fields?: unknown,
  ): void {
    this.#guard("handleLLMNewToken", () => {
      this.#tracker.token(runId, token, readField(fields, "chunk"));
    });
  }

  override handleLLMEnd(output: unknown, runId: unknown): void {
    this.#guard("handleLLMEnd", () => this.#tracker.end(runId, output));
  }

  override handleLLMError(error: unknown, runId: unknown): void {
    this.#guard("handleLLMError", () => this.#tracker.fail(runId, error));
  }

  /**
   * Declared by LangChain as `(chain, inputs, runId, runType, tags, metadata, runName, parentRunId)`,
   * but the callback manager calls it as `(chain, inputs, runId, parentRunId, tags, metadata,
   * runType, runName)` (as LangChain's own `BaseTracer` reads it). The parameters here are named
   * in the order they really arrive.
   */
  override handleChainStart(
    chain: unknown,
    inputs: unknown,
    runId: unknown,
    parentRunId?: unknown,
    tags?: unknown,
    metadata?: unknown,
    _runType?: unknown,
    runName?: unknown,
  ): void {
    this.#guard("handleChainStart", () => {
      this.#start(runId, parentRunId, "chain", runNameOf(runName, chain, "chain"), tags, metadata, { kind: "chain", inputs });
    });
  }

  override handleChainEnd(outputs: unknown, runId: unknown, _parentRunId?: unknown, _tags?: unknown, kwargs?: unknown): void {
    this.#guard("handleChainEnd", () => this.#tracker.end(runId, outputs, readField(kwargs, "inputs")));
  }

  override handleChainError(error: unknown, runId: unknown, _parentRunId?: unknown, _tags?: unknown, kwargs?: unknown): void {
    this.#guard("handleChainError", () => this.#tracker.fail(runId, error, readField(kwargs, "inputs")));
  }

  override handleToolStart(
    tool: unknown,
    input: unknown,
    runId: unknown,
    parentRunId?: unknown,
    tags?: unknown,
    metadata?: unknown,
    runName?: unknown,
    toolCallId?: unknown,
  ): void {
    this.#guard("handleToolStart", () => {
      const toolName = runNameOf(runName, tool, "tool");
      const start: RunStart =
        typeof toolCallId === "string" && toolCallId !== ""
          ? { kind: "tool", toolName, input, toolCallId }
          : { kind: "tool", toolName, input };
      this.#start(runId, parentRunId, "tool", toolName, tags, metadata, start);
    });
  }

  override handleToolEnd(output: unknown, runId: unknown): void {
    this.#guard("handleToolEnd", () => this.#tracker.end(runId, output));
  }

  override handleToolError(error: unknown, runId: unknown): void {
    this.#guard("handleToolError", () => this.#tracker.fail(runId, error));
  }

  override handleRetrieverStart(
    retriever: unknown,
    query: unknown,
    runId: unknown,
    parentRunId?: unknown,
    tags?: unknown,
    metadata?: unknown,
    name?: unknown,
  ): void {
    this.#guard("handleRetrieverStart", () => {
      this.#start(runId, parentRunId, "retriever", runNameOf(name, retriever, "retriever"), tags, metadata, { kind: "retriever", query });
    });
  }

  override handleRetrieverEnd(documents: unknown, runId: unknown): void {
    this.#guard("handleRetrieverEnd", () => this.#tracker.end(runId, documents));
  }

  override handleRetrieverError(error: unknown, runId: unknown): void {
    this.#guard("handleRetrieverError", () => this.#tracker.fail(runId, error));
  }

  /** Legacy `AgentExecutor` only (never fired under `createAgent`): recorded on the agent's chain run. */
  override handleAgentAction(action: unknown, runId: unknown): void {
    this.#guard("handleAgentAction", () => this.#tracker.agentAction(runId, action));
  }

  /** Legacy `AgentExecutor` only: recorded on the agent's chain run. */
  override handleAgentEnd(finish: unknown, runId: unknown): void {
    this.#guard("handleAgentEnd", () => this.#tracker.agentFinish(runId, finish));
  }

  /** A `dispatchCustomEvent` event: recorded in `events` of the run it names. */
  override handleCustomEvent(eventName: unknown, data: unknown, runId: unknown): void {
    this.#guard("handleCustomEvent", () => this.#tracker.event(runId, eventName, data));
  }

  #start(
    runId: unknown,
    parentRunId: unknown,
    runType: RunType,
    name: string,
    tags: unknown,
    metadata: unknown,
    start: RunStart,
  ): void {
    this.#tracker.start({ runId, parentRunId, runType, name, tags, metadata, start });
  }

  #guard(method: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      this.#handlerErrors += 1;
      this.#report(new CallbackError(method, error));
    }
  }

  #report(error: LlmopsError): void {
    try {
      this.#options.onError(error);
    } catch {
      // A throwing onError must not reach the chain either.
    }
  }

  #hides(option: boolean | HidePredicate, record: RunRecord, label: string): boolean {
    if (typeof option === "boolean") return option;
    try {
      return option(record) === true;
    } catch (error) {
      this.#report(new CallbackError(label, error));
      return true; // Failing safe: when the user's rule cannot decide, hide.
    }
  }

  #deliver(built: RunRecord): void {
    this.#deliverRecord(built);
    // After the record (kept or dropped by mask): the end of a root is the end of its trace here.
    if (built.parentRunId !== undefined) return;
    try {
      this.handleRootEnd(built.traceId);
    } catch (error) {
      this.#handlerErrors += 1;
      this.#report(new CallbackError("handleRootEnd", error));
    }
  }

  #deliverRecord(built: RunRecord): void {
    let record: RunRecord | undefined = hideRecord(
      built,
      this.#hides(this.#options.hideInputs, built, "hideInputs"),
      this.#hides(this.#options.hideOutputs, built, "hideOutputs"),
    );
    const mask = this.#options.mask;
    if (mask) {
      try {
        const unmasked: RunRecord = record;
        const masked: unknown = mask(unmasked);
        if (masked !== undefined && !isRecord(masked)) throw new TypeError(`mask returned ${typeof masked}, expected a record or undefined`);
        if (masked === undefined) {
          record = undefined;
        } else if (masked !== (unmasked as unknown)) {
          this.#recordsMasked += 1;
          // A changed record is the user's object: copied to plain JSON (a BigInt or a cycle would make
          // the whole batch fail to serialize) and frozen as a copy (never the user's own objects).
          record = deepFreeze(sanitize(masked, this.#maskedLimits) as unknown as RunRecord);
        }
      } catch (error) {
        this.#maskErrors += 1;
        this.#report(new CallbackError("mask", error));
        record = undefined; // Never ship what the mask was meant to clean.
      }
    }
    if (record === undefined) {
      this.#recordsDropped += 1;
      return;
    }
    try {
      this.handleRecord(record);
      this.#recordsDelivered += 1;
    } catch (error) {
      this.#handlerErrors += 1;
      this.#report(new CallbackError("handleRecord", error));
    }
  }
}
