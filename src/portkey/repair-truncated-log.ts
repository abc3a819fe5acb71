import type { JsonObject } from "../core/run-record.ts";
import { truncateText } from "./bounded-json.ts";
import type { PortkeyLog, PortkeyLogRequest, PortkeyLogResponse } from "./portkey-log.ts";
import { PORTKEY_METADATA_MAX_CHARS, PORTKEY_SOURCE } from "./portkey-metadata.ts";

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What the exporter left in place of an object: its marker string, kept where Portkey wants an object. */
function asBody(value: unknown): JsonObject {
  return isObject(value) ? value : { truncated: typeof value === "string" ? value : "[truncated]" };
}

function isWhole(log: PortkeyLog): boolean {
  const { request, response, metadata } = log as { request: unknown; response: unknown; metadata: unknown };
  return (
    isObject(request) &&
    isObject(request.body) &&
    isObject(request.headers) &&
    isObject(response) &&
    isObject(response.body) &&
    isObject(response.headers) &&
    isObject(metadata)
  );
}

/**
 * A log the exporter cut down to fit `maxBatchBytes` may have lost whole objects, each replaced by a
 * marker string (`truncateToFit`). Portkey refuses a log whose request, response, bodies or metadata
 * are not objects — and the whole batch with it. This puts each marker back into an object
 * (`{ "truncated": "<marker>" }`) and rebuilds what Portkey requires from the log's own top-level
 * fields, so the span still arrives with its ids and timing. A whole log is returned as it is.
 * Runs at send time, off the caller's path.
 */
export function repairTruncatedLog(log: PortkeyLog): PortkeyLog {
  if (isWhole(log)) return log;
  const request: unknown = log.request;
  const response: unknown = log.response;
  const fixedRequest: PortkeyLogRequest = isObject(request)
    ? { ...(request as unknown as PortkeyLogRequest), headers: {}, body: asBody(request.body) }
    : { url: `langchain://truncated/${encodeURIComponent(log.span_name)}`, method: "POST", provider: "langchain", headers: {}, body: asBody(request) };
  // A response cut away whole took its status with it; its body keeps the exporter's marker.
  const fixedResponse: PortkeyLogResponse = isObject(response)
    ? { ...(response as unknown as PortkeyLogResponse), headers: {}, body: asBody(response.body) }
    : { status: 200, headers: {}, body: asBody(response), response_time: 0, streamingMode: false };
  const metadata: Readonly<Record<string, string>> = isObject(log.metadata)
    ? log.metadata
    : {
        _source: PORTKEY_SOURCE,
        traceId: truncateText(log.trace_id, PORTKEY_METADATA_MAX_CHARS),
        spanId: log.span_id,
        spanName: truncateText(log.span_name, PORTKEY_METADATA_MAX_CHARS),
        ...(log.parent_span_id === undefined ? {} : { parentSpanId: log.parent_span_id }),
      };
  return { ...log, request: fixedRequest, response: fixedResponse, metadata };
}
