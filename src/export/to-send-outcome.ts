import { ExportError } from "../errors.ts";
import type { SendOutcome } from "./batch-sender.ts";
import type { HttpResult } from "./http-transport.ts";
import { parseRetryAfterMs } from "./retry-after.ts";

/** Statuses worth retrying: the request may succeed later unchanged. */
export const RETRYABLE_STATUSES: readonly number[] = [408, 429, 502, 503, 504];

/** Most characters of a response body kept in an {@link ExportError}. */
export const BODY_EXCERPT_CHARS = 1024;

/** True for a status that is worth retrying (408, 429, 502, 503, 504). */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.includes(status);
}

/** What {@link toSendOutcome} needs to know about the request. */
export interface OutcomeMeta {
  /** The endpoint path, e.g. `/logs`; copied into errors. */
  readonly endpoint: string;
  /** Records (or requests) in the batch; copied into errors. */
  readonly itemCount: number;
  /** The attempt this result belongs to (1 = first). */
  readonly attempt: number;
  /** Statuses that mean "delivered". @default every 2xx status */
  readonly successStatuses?: readonly number[];
  /** Clock for HTTP-date `Retry-After` values. @default Date.now() */
  readonly nowMs?: number;
}

/**
 * Classifies one HTTP result (a pure function): success statuses → `success`; 408/429/502/503/504
 * and network errors → `retryable` (with `Retry-After` in ms when given); 413 → `too-large`
 * (split the batch); a closed transport or aborted request → `failure`; anything else → `failure`
 * with the status and a body excerpt.
 */
export function toSendOutcome(result: HttpResult, meta: OutcomeMeta): SendOutcome {
  if (result.kind === "error") {
    const error = new ExportError(exportCode(result.error), result.error.message, {
      itemCount: meta.itemCount,
      attempts: meta.attempt,
      endpoint: meta.endpoint,
      cause: result.error.cause ?? result.error,
    });
    // A closed transport or an aborted request cannot succeed on a later attempt.
    if (error.code === "ERR_LLMOPS_SHUTDOWN") return { status: "failure", error, bytes: result.bytesSent };
    return { status: "retryable", error, bytes: result.bytesSent };
  }
  const { status } = result;
  const delivered = meta.successStatuses === undefined ? status >= 200 && status < 300 : meta.successStatuses.includes(status);
  if (delivered) return { status: "success", bytes: result.bytesSent };

  const bodyExcerpt = result.body.slice(0, BODY_EXCERPT_CHARS);
  const error = new ExportError("ERR_LLMOPS_HTTP", `${meta.endpoint} answered ${status}${excerptSuffix(bodyExcerpt)}`, {
    status,
    bodyExcerpt,
    itemCount: meta.itemCount,
    attempts: meta.attempt,
    endpoint: meta.endpoint,
  });
  if (status === 413) return { status: "too-large", error, bytes: result.bytesSent };
  if (isRetryableStatus(status)) {
    const retryAfterMs = parseRetryAfterMs(result.headers["retry-after"], meta.nowMs ?? Date.now());
    return retryAfterMs === undefined
      ? { status: "retryable", error, bytes: result.bytesSent }
      : { status: "retryable", error, retryAfterMs, bytes: result.bytesSent };
  }
  return { status: "failure", error, bytes: result.bytesSent };
}

/** The error's code, narrowed to the codes an {@link ExportError} may carry. */
export function exportCode(error: ExportError): ConstructorParameters<typeof ExportError>[0] {
  switch (error.code) {
    case "ERR_LLMOPS_HTTP":
    case "ERR_LLMOPS_TIMEOUT":
    case "ERR_LLMOPS_SHUTDOWN":
      return error.code;
    default:
      return "ERR_LLMOPS_NETWORK";
  }
}

function excerptSuffix(excerpt: string): string {
  const oneLine = excerpt.replace(/\s+/g, " ").trim();
  if (oneLine === "") return "";
  return `: ${oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine}`;
}
