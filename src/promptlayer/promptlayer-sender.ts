import type { ClosableBatchSender, SendContext, SendOutcome } from "../export/batch-sender.ts";
import type { HttpTransport } from "../export/http-transport.ts";
import { CallbackError, ExportError } from "../errors.ts";
import type { LlmopsError } from "../errors.ts";
import type { PromptLayerItem } from "./promptlayer-item.ts";
import type { PromptLayerIdCallback } from "./promptlayer-options.ts";
import type { PromptLayerSpan } from "./promptlayer-wire.ts";
import { readLogRequestId, readSpanRequestIds } from "./read-request-ids.ts";
import { toPromptLayerOutcome } from "./to-promptlayer-outcome.ts";
import { toPromptLayerSpan } from "./to-promptlayer-span.ts";

/** What {@link PromptLayerSender} needs (built by the handler; not user options). */
export interface PromptLayerSenderOptions {
  transport: Pick<HttpTransport, "post" | "close">;
  serviceName: string;
  plTags: readonly string[];
  plIdCallback?: PromptLayerIdCallback | undefined;
  /** Where a failing `pl_id_callback` and unreadable answers are reported. */
  onError: (error: LlmopsError) => void;
  logger: { warn(message: string): void };
  /** How many delivered span ids are remembered so a resent batch never calls back twice. @default 10000 */
  maxRememberedIds?: number;
}

const SPANS_BULK = "/spans-bulk";
const LOG_REQUEST = "/log-request";

/**
 * Sends batches to PromptLayer: `POST /spans-bulk { spans }`, then calls `pl_id_callback` with the
 * request id PromptLayer gave each LLM span — after the batch was accepted, never for a failed one,
 * once per run even when a batch is resent (the server upserts spans; we remember what we called
 * back for), and before `send` resolves, so `flush()` resolves after the callbacks ran. A callback's
 * error is caught and reported as a {@link CallbackError}.
 *
 * Where `/spans-bulk` answers 404 (older deployments) the sender switches for good to one
 * `POST /log-request` per LLM run; chain, tool and retriever spans have no place there and are not sent.
 */
export class PromptLayerSender implements ClosableBatchSender<PromptLayerItem> {
  readonly #options: PromptLayerSenderOptions;
  readonly #maxRemembered: number;
  /** Span id → request id (or the error that refused it for good), for resent batches. */
  readonly #settled = new Map<string, number | ExportError>();
  #spansBulk = true;

  constructor(options: PromptLayerSenderOptions) {
    this.#options = options;
    this.#maxRemembered = options.maxRememberedIds ?? 10_000;
  }

  /** False once `/spans-bulk` answered 404 and the sender logs per request instead. */
  get usesSpansBulk(): boolean {
    return this.#spansBulk;
  }

  async send(batch: readonly PromptLayerItem[], context: SendContext): Promise<SendOutcome> {
    const spans: PromptLayerSpan[] = [];
    for (const item of batch) {
      const span = this.#toSpan(item);
      if (span !== undefined) spans.push(span);
    }
    if (spans.length === 0) return { status: "success", bytes: 0 };
    if (this.#spansBulk) {
      const result = await this.#options.transport.post(SPANS_BULK, JSON.stringify({ spans }), {
        idempotencyKey: context.idempotencyKey,
        signal: context.signal,
      });
      if (result.kind === "response" && result.status === 404) {
        // Batches sent concurrently may all meet the 404: switch (and warn) once.
        if (this.#spansBulk) {
          this.#spansBulk = false;
          this.#options.logger.warn(
            `PromptLayer: ${SPANS_BULK} answered 404 (an older deployment); logging each LLM run with ${LOG_REQUEST} from now on`,
          );
        }
      } else {
        const outcome = toPromptLayerOutcome(result, { endpoint: SPANS_BULK, itemCount: spans.length, attempt: context.attempt });
        if (outcome.status === "success" && result.kind === "response") await this.#callBack(spans, result.status, result.body, context.signal);
        return outcome;
      }
    }
    return this.#sendEach(spans, context);
  }

  close(): Promise<void> {
    return this.#options.transport.close();
  }

  /**
   * The span of one queued run. A run the exporter had to cut to fit `maxBatchBytes` may have lost
   * whole nested structures (its payload replaced by a marker): it is then sent as a bare span (ids,
   * name, times, status) rather than not at all.
   */
  #toSpan(item: PromptLayerItem): PromptLayerSpan | undefined {
    const { serviceName, plTags } = this.#options;
    const context = item.prompt === undefined ? { serviceName, plTags } : { serviceName, plTags, prompt: item.prompt };
    try {
      return toPromptLayerSpan(item.record, context);
    } catch {
      try {
        const bare = { ...item.record, tags: [], metadata: {}, events: [], payload: { kind: "chain" as const, inputs: null } };
        const span = toPromptLayerSpan(bare, context);
        span.attributes["langchain.truncated"] = true;
        return span;
      } catch (error) {
        this.#options.onError(new CallbackError(`PromptLayer mapping of run ${String(item.record.runId)}`, error));
        return undefined;
      }
    }
  }

  async #callBack(spans: readonly PromptLayerSpan[], status: number, body: string, signal: AbortSignal): Promise<void> {
    const ids = readSpanRequestIds(body);
    if (ids === undefined) {
      this.#options.onError(
        new ExportError("ERR_LLMOPS_HTTP", `${SPANS_BULK}: accepted, but the answer has no readable request_logs`, {
          status,
          bodyExcerpt: body.slice(0, 1024),
          itemCount: spans.length,
          endpoint: SPANS_BULK,
        }),
      );
      return;
    }
    for (const span of spans) {
      const spanId = span.context.span_id;
      const requestId = ids.get(spanId);
      if (requestId === undefined || span.log_request === undefined || this.#settled.has(spanId)) continue;
      this.#remember(spanId, requestId);
      await this.#invoke(requestId, signal);
    }
  }

  async #sendEach(spans: readonly PromptLayerSpan[], context: SendContext): Promise<SendOutcome> {
    let bytes = 0;
    for (const span of spans) {
      const spanId = span.context.span_id;
      if (span.log_request === undefined || this.#settled.has(spanId)) continue;
      const result = await this.#options.transport.post(LOG_REQUEST, JSON.stringify(span.log_request), {
        idempotencyKey: `${context.idempotencyKey}:${spanId}`,
        signal: context.signal,
      });
      bytes += result.bytesSent;
      const outcome = toPromptLayerOutcome(result, { endpoint: LOG_REQUEST, itemCount: 1, attempt: context.attempt });
      // Stop at the first retryable answer: the backend is unwell, and the retry resends only the rest.
      if (outcome.status === "retryable") return { ...outcome, bytes };
      if (outcome.status !== "success") {
        this.#remember(spanId, outcome.error);
        continue;
      }
      const requestId = result.kind === "response" ? readLogRequestId(result.body) : undefined;
      this.#remember(spanId, requestId ?? -1);
      if (requestId !== undefined) await this.#invoke(requestId, context.signal);
      else if (result.kind === "response") {
        // Logged, but without an id pl_id_callback never hears of it: say why, as for /spans-bulk.
        this.#options.onError(
          new ExportError("ERR_LLMOPS_HTTP", `${LOG_REQUEST}: accepted, but the answer has no readable request id`, {
            status: result.status,
            bodyExcerpt: result.body.slice(0, 1024),
            itemCount: 1,
            endpoint: LOG_REQUEST,
          }),
        );
      }
    }
    const refused = spans.flatMap((span) => {
      const settled = this.#settled.get(span.context.span_id);
      return settled instanceof ExportError ? [settled] : [];
    });
    const first = refused[0];
    if (first === undefined) return { status: "success", bytes };
    const error = new ExportError("ERR_LLMOPS_HTTP", `${LOG_REQUEST}: ${refused.length} of the batch's LLM runs refused; first: ${first.message}`, {
      ...(first.status === undefined ? {} : { status: first.status }),
      ...(first.bodyExcerpt === undefined ? {} : { bodyExcerpt: first.bodyExcerpt }),
      itemCount: refused.length,
      attempts: context.attempt,
      endpoint: LOG_REQUEST,
    });
    return { status: "failure", error, bytes };
  }

  #remember(spanId: string, value: number | ExportError): void {
    this.#settled.set(spanId, value);
    if (this.#settled.size > this.#maxRemembered) {
      const oldest = this.#settled.keys().next();
      if (oldest.done !== true) this.#settled.delete(oldest.value);
    }
  }

  async #invoke(requestId: number, signal: AbortSignal): Promise<void> {
    const callback = this.#options.plIdCallback;
    if (callback === undefined) return;
    let settled: Promise<CallbackResult>;
    try {
      settled = Promise.resolve(callback(requestId)).then(
        (): CallbackResult => ({ failed: false }),
        (error: unknown): CallbackResult => ({ failed: true, error }),
      );
    } catch (error) {
      settled = Promise.resolve({ failed: true, error });
    }
    const result = await untilAborted(settled, signal);
    if (result?.failed === true) this.#options.onError(new CallbackError("pl_id_callback", result.error));
  }
}

type CallbackResult = { failed: false } | { failed: true; error: unknown };

/**
 * Waits for `promise` (which never rejects), but no longer than `signal` — the batch deadline or
 * shutdown — allows: a callback that never settles cannot hold `flush()` forever.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then((value) => {
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    });
  });
}
