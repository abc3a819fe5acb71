import type { ChatPromptTemplate, PromptTemplate } from "@langchain/core/prompts";
import type { SendOutcome } from "../export/batch-sender.ts";
import type { ExportOptions } from "../export/export-options.ts";
import type { HttpTransport } from "../export/http-transport.ts";
import { sendWithRetry } from "../export/send-with-retry.ts";
import { ExportError, ValidationError } from "../errors.ts";
import type { LlmopsError } from "../errors.ts";
import { promptLayerPrompt } from "./prompt-layer-prompt.ts";
import { toLangChainPrompt } from "./to-langchain-prompt.ts";
import { toPromptLayerOutcome } from "./to-promptlayer-outcome.ts";

/** Which registry template a request used (`trackPrompt`). */
export interface TrackPromptOptions {
  promptName: string;
  /** The template version (an integer ≥ 1). Give a version or a label. */
  version?: number;
  /** A release label (`"prod"`). */
  label?: string;
  /** The values the template was filled with. @default {} */
  inputVariables?: Record<string, unknown>;
}

/** Which version of a template to fetch (`getPromptTemplate`); the latest when neither is given. */
export interface GetPromptTemplateOptions {
  version?: number;
  label?: string;
}

/** What the client needs (built by the handler). */
export interface PromptLayerClientOptions {
  transport: Pick<HttpTransport, "post">;
  /** The retry policy (`maxAttempts`, `batchDeadlineMs`, backoff), as for batches. */
  retry: Pick<ExportOptions, "maxAttempts" | "batchDeadlineMs" | "initialRetryDelayMs" | "maxRetryDelayMs">;
  /** Where failed tracking requests are reported. */
  onError: (error: LlmopsError) => void;
  /**
   * Aborted when the handler shuts down: a request waiting for a retry makes its last attempt at
   * once, while the sockets are still open, and is not retried after that.
   */
  stopRetrying?: AbortSignal;
}

/**
 * PromptLayer's after-the-fact tracking endpoints and the prompt registry, for the request ids that
 * `pl_id_callback` receives. Arguments are checked before anything is sent (a bad one rejects with a
 * {@link ValidationError}); requests are retried like a batch (429/5xx/network, backoff, deadline).
 * A tracking call resolves `true` once PromptLayer accepted it and `false` when it finally failed —
 * the failure reported through `onError` — like the Python SDK's `promptlayer.track.*`.
 */
export class PromptLayerClient {
  readonly #options: PromptLayerClientOptions;

  constructor(options: PromptLayerClientOptions) {
    this.#options = options;
  }

  /** `POST /rest/track-score`: a score (integer 0–100), optionally named. */
  async trackScore(requestId: number, score: number, name?: string): Promise<boolean> {
    checkRequestId(requestId);
    if (!Number.isInteger(score) || score < 0 || score > 100) {
      throw new ValidationError("score", `expected an integer from 0 to 100, got ${String(score)}`);
    }
    if (name !== undefined && (typeof name !== "string" || name === "")) {
      throw new ValidationError("name", `expected a non-empty string, got ${String(name)}`);
    }
    return this.#track("/rest/track-score", { request_id: requestId, score, ...(name === undefined ? {} : { name }) });
  }

  /** `POST /rest/track-metadata`: string keys and string values only. */
  async trackMetadata(requestId: number, metadata: Record<string, string>): Promise<boolean> {
    checkRequestId(requestId);
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
      throw new ValidationError("metadata", "expected an object of string values");
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== "string") {
        throw new ValidationError(`metadata.${key}`, `PromptLayer accepts string values only, got ${typeof value}`);
      }
    }
    return this.#track("/rest/track-metadata", { request_id: requestId, metadata });
  }

  /** `POST /rest/track-prompt`: links a logged request to a registry template version or label. */
  async trackPrompt(requestId: number, options: TrackPromptOptions): Promise<boolean> {
    checkRequestId(requestId);
    const { promptName, version, label } = options;
    const inputVariables = options.inputVariables ?? {};
    // Same rules as promptLayerPrompt (name, version xor label, plain-object variables).
    promptLayerPrompt(promptName, { ...(version === undefined ? {} : { version }), ...(label === undefined ? {} : { label }), inputVariables });
    return this.#track("/rest/track-prompt", {
      request_id: requestId,
      prompt_name: promptName,
      prompt_input_variables: inputVariables,
      ...(version === undefined ? {} : { version }),
      ...(label === undefined ? {} : { label }),
    });
  }

  /**
   * `POST /prompt-templates/{name}`: the template as a LangChain `ChatPromptTemplate` (chat
   * blueprints) or `PromptTemplate` (completion blueprints) whose runs carry
   * `promptLayerPrompt(name, { version })` metadata — a label is resolved to the version it points
   * at — so model calls made with it are linked to that version. Rejects with an `ExportError` when
   * the template cannot be fetched (404 for an unknown name or version).
   */
  async getPromptTemplate(name: string, options: GetPromptTemplateOptions = {}): Promise<ChatPromptTemplate | PromptTemplate> {
    promptLayerPrompt(name, options);
    const body = options.version !== undefined ? { version: options.version } : options.label !== undefined ? { label: options.label } : {};
    const path = `/prompt-templates/${encodeURIComponent(name)}`;
    let answer = "";
    const outcome = await this.#post(path, body, (text) => {
      answer = text;
    });
    if (outcome.status !== "success") throw outcome.error;
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer);
    } catch (cause) {
      throw new ExportError("ERR_LLMOPS_HTTP", `${path}: the answer is not JSON`, { endpoint: path, bodyExcerpt: answer.slice(0, 1024), cause });
    }
    const { prompt_template: blueprint, version } = (parsed ?? {}) as { prompt_template?: unknown; version?: unknown };
    const resolved = typeof version === "number" && Number.isInteger(version) && version >= 1 ? version : options.version;
    return toLangChainPrompt(blueprint, { ...promptLayerPrompt(name, resolved === undefined ? {} : { version: resolved }) });
  }

  async #track(path: string, body: Record<string, unknown>): Promise<boolean> {
    const outcome = await this.#post(path, body);
    if (outcome.status === "success") return true;
    this.#options.onError(outcome.error);
    return false;
  }

  #post(path: string, body: unknown, onBody?: (text: string) => void): Promise<SendOutcome> {
    const text = JSON.stringify(body);
    return sendWithRetry(
      async (context) => {
        const result = await this.#options.transport.post(path, text, { signal: context.signal, idempotencyKey: context.idempotencyKey });
        const outcome = toPromptLayerOutcome(result, { endpoint: path, itemCount: 1, attempt: context.attempt });
        if (outcome.status === "success" && result.kind === "response") {
          if (refused(result.body)) {
            const error = new ExportError("ERR_LLMOPS_HTTP", `${path}: answered success: false`, {
              status: result.status,
              bodyExcerpt: result.body.slice(0, 1024),
              endpoint: path,
              attempts: context.attempt,
            });
            return { status: "failure", error };
          }
          onBody?.(result.body);
        }
        return outcome;
      },
      { ...this.#options.retry, itemCount: 1, ...(this.#options.stopRetrying === undefined ? {} : { stopRetrying: this.#options.stopRetrying }) },
    );
  }
}

function checkRequestId(requestId: number): void {
  if (!Number.isSafeInteger(requestId) || requestId < 1) {
    throw new ValidationError("requestId", `expected the positive integer pl_id_callback received, got ${String(requestId)}`);
  }
}

/** A 2xx answer that still says `{"success": false}`. */
function refused(body: string): boolean {
  if (!body.includes('"success"')) return false;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null && (parsed as { success?: unknown }).success === false;
  } catch {
    return false;
  }
}
