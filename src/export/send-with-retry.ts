import { randomUUID } from "node:crypto";
import { ExportError } from "../errors.ts";
import { abortableDelay } from "./abortable-delay.ts";
import { backoffDelayMs } from "./backoff.ts";
import type { SendContext, SendOutcome } from "./batch-sender.ts";
import { exportCode } from "./to-send-outcome.ts";
import { resolveExportOptions, type ExportOptions, type ResolvedExportOptions } from "./export-options.ts";

/** The retry policy's settings, a subset of {@link ResolvedExportOptions}. */
export type RetrySettings = Pick<
  ResolvedExportOptions,
  "maxAttempts" | "batchDeadlineMs" | "initialRetryDelayMs" | "maxRetryDelayMs"
>;

/** Per-call extras of {@link sendWithRetry}, beside the retry options of {@link ExportOptions}. */
export interface RetryControls {
  /** Stable across the attempts; given to each attempt as `SendContext.idempotencyKey`. @default a random UUID */
  idempotencyKey?: string;
  /** Aborts everything at once: the attempt in flight (through `SendContext.signal`) and any wait. */
  signal?: AbortSignal;
  /**
   * Once aborted, no further wait happens: a wait in progress is cut short and one last attempt is
   * made at once; a retryable outcome after that is final (the exporter aborts it when shutting down).
   */
  stopRetrying?: AbortSignal;
  /** Randomness for the backoff jitter, in [0, 1). @default Math.random */
  random?: () => number;
  /** Records (or requests) this call carries; copied into the final error. @default 1 */
  itemCount?: number;
  /** Called before each wait for a retry. */
  onRetry?: (info: { attempt: number; delayMs: number; outcome: SendOutcome }) => void;
}

/**
 * Calls `attempt` until it succeeds or the policy gives up: retryable outcomes are retried with
 * exponential backoff and full jitter (or after the server's `Retry-After`), within `maxAttempts`
 * and `batchDeadlineMs`. For single requests that have no batch form (feedback, track-*).
 * Never rejects: a thrown attempt becomes a `failure` (bad options throw a `ConfigError` synchronously). A `retryable` outcome that ran out of
 * attempts or time is returned as a `failure` whose error counts the attempts made.
 *
 * @example
 * const outcome = await sendWithRetry((ctx) => sender.sendOne(body, ctx), { maxAttempts: 3 });
 */
export function sendWithRetry(
  attempt: (context: SendContext) => Promise<SendOutcome>,
  options: ExportOptions & RetryControls = {},
): Promise<SendOutcome> {
  return retryLoop(attempt, resolveExportOptions(options), options);
}

/** {@link sendWithRetry} with settings already resolved (the exporter resolves them once). */
export async function retryLoop(
  attempt: (context: SendContext) => Promise<SendOutcome>,
  settings: RetrySettings,
  controls: RetryControls,
): Promise<SendOutcome> {
  const idempotencyKey = controls.idempotencyKey ?? randomUUID();
  const itemCount = controls.itemCount ?? 1;
  const deadlineAt = Date.now() + settings.batchDeadlineMs;
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort(new ExportError("ERR_LLMOPS_TIMEOUT", `batchDeadlineMs (${settings.batchDeadlineMs}) passed`, { itemCount }));
  }, settings.batchDeadlineMs);
  timer.unref?.();
  const signal = controls.signal === undefined ? deadline.signal : AbortSignal.any([controls.signal, deadline.signal]);
  const waitSignal = controls.stopRetrying === undefined ? signal : AbortSignal.any([signal, controls.stopRetrying]);
  try {
    for (let number = 1; ; number++) {
      const outcome = await safeAttempt(attempt, { idempotencyKey, attempt: number, signal }, itemCount);
      if (outcome.status !== "retryable") return withAttempts(outcome, number, itemCount);
      if (number >= settings.maxAttempts) return giveUp(outcome, number, itemCount, `after ${number} attempts`);
      if (signal.aborted) return giveUp(outcome, number, itemCount, `because ${abortReason(signal)}`);
      if (controls.stopRetrying?.aborted === true) return giveUp(outcome, number, itemCount, "because the exporter is shutting down");
      const delayMs = outcome.retryAfterMs ?? backoffDelayMs(number, settings, controls.random);
      if (Date.now() + delayMs >= deadlineAt) {
        return giveUp(outcome, number, itemCount, `because the next attempt (in ${delayMs} ms) would pass batchDeadlineMs`);
      }
      controls.onRetry?.({ attempt: number, delayMs, outcome });
      await abortableDelay(delayMs, waitSignal);
      if (signal.aborted) return giveUp(outcome, number, itemCount, `because ${abortReason(signal)}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

async function safeAttempt(
  attempt: (context: SendContext) => Promise<SendOutcome>,
  context: SendContext,
  itemCount: number,
): Promise<SendOutcome> {
  try {
    return await attempt(context);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const error = new ExportError("ERR_LLMOPS_NETWORK", `sender threw: ${message}`, { itemCount, attempts: context.attempt, cause });
    return { status: "failure", error };
  }
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : "aborted";
}

/** The outcome with its error counting `attempts` and `itemCount`. */
function withAttempts(outcome: SendOutcome, attempts: number, itemCount: number): SendOutcome {
  if (outcome.status === "success") return outcome;
  if (outcome.error.attempts === attempts && outcome.error.itemCount === itemCount) return outcome;
  return { ...outcome, error: rewrap(outcome.error, outcome.error.message, attempts, itemCount) };
}

function giveUp(outcome: SendOutcome & { status: "retryable" }, attempts: number, itemCount: number, why: string): SendOutcome {
  const last = outcome.error;
  const error = rewrap(last, `gave up ${why}: ${last.message}`, attempts, itemCount);
  return outcome.bytes === undefined ? { status: "failure", error } : { status: "failure", error, bytes: outcome.bytes };
}

function rewrap(error: ExportError, message: string, attempts: number, itemCount: number): ExportError {
  const fields: ConstructorParameters<typeof ExportError>[2] = { itemCount, attempts, cause: error.cause ?? error };
  if (error.status !== undefined) fields.status = error.status;
  if (error.bodyExcerpt !== undefined) fields.bodyExcerpt = error.bodyExcerpt;
  if (error.endpoint !== undefined) fields.endpoint = error.endpoint;
  return new ExportError(exportCode(error), message, fields);
}
