/** Reading the request ids out of PromptLayer's answers (which are only ever parsed, never trusted). */

function toRequestId(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * `request_logs[]` of a `/spans-bulk` answer as span id → request id; undefined when the body is
 * not the documented shape (so the caller can tell "no LLM spans" from "unreadable").
 */
export function readSpanRequestIds(body: string): Map<string, number> | undefined {
  const parsed = parse(body);
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const logs = (parsed as { request_logs?: unknown }).request_logs;
  if (logs === undefined) return new Map();
  if (!Array.isArray(logs)) return undefined;
  const ids = new Map<string, number>();
  for (const log of logs as unknown[]) {
    if (typeof log !== "object" || log === null) continue;
    const { id, span_id: spanId } = log as { id?: unknown; span_id?: unknown };
    const requestId = toRequestId(id);
    if (typeof spanId === "string" && requestId !== undefined) ids.set(spanId, requestId);
  }
  return ids;
}

/** The request id of a `/log-request` answer: `id`, or `request_id` as one docs page calls it. */
export function readLogRequestId(body: string): number | undefined {
  const parsed = parse(body);
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { id, request_id: requestId } = parsed as { id?: unknown; request_id?: unknown };
  return toRequestId(id) ?? toRequestId(requestId);
}
