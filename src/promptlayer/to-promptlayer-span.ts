import type { JsonValue, RunRecord } from "../core/run-record.ts";
import type { PromptLink } from "./prompt-link.ts";
import type { PromptLayerSpan } from "./promptlayer-wire.ts";
import { toSpanIdHex, toTraceIdHex } from "./span-ids.ts";
import { toLogRequest } from "./to-log-request.ts";

/** What the span mapping needs besides the record. */
export interface SpanContext {
  /** `resource.attributes["service.name"]`. */
  readonly serviceName: string;
  /** `pl_tags`, for the request logs of model spans. */
  readonly plTags: readonly string[];
  /** The registry template a model run is linked to. */
  readonly prompt?: PromptLink;
}

/**
 * Epoch milliseconds (sub-millisecond precision) as integer nanoseconds, rounded to the microsecond.
 * The result is above 2^53, where a double still holds every integer to within 256 ns: far finer than
 * the clock the times come from, and `JSON.stringify` writes it as a plain integer.
 */
export function toEpochNanos(epochMs: number): number {
  return Math.round(epochMs * 1000) * 1000;
}

function json(value: JsonValue | undefined): string {
  return value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
}

function attributesOf(record: RunRecord): Record<string, JsonValue> {
  const attributes: Record<string, JsonValue> = {
    "langchain.run_id": record.runId,
    "langchain.run_type": record.runType,
    "langchain.trace_id": record.traceId,
  };
  const parent = record.parentRunId ?? record.externalParentRunId;
  if (parent !== undefined) attributes["langchain.parent_run_id"] = parent;
  if (record.tags.length > 0) attributes["langchain.tags"] = [...record.tags];
  if (Object.keys(record.metadata).length > 0) attributes["langchain.metadata"] = JSON.stringify(record.metadata);
  const payload = record.payload;
  switch (payload.kind) {
    case "model":
      // Inputs and outputs travel in the span's log_request; the span keeps the GenAI summary.
      if (payload.provider !== undefined) attributes["gen_ai.system"] = payload.provider;
      if (payload.model !== undefined) attributes["gen_ai.request.model"] = payload.model;
      if (payload.usage?.promptTokens !== undefined) attributes["gen_ai.usage.input_tokens"] = payload.usage.promptTokens;
      if (payload.usage?.completionTokens !== undefined) attributes["gen_ai.usage.output_tokens"] = payload.usage.completionTokens;
      if (payload.finishReason !== undefined) attributes["gen_ai.response.finish_reasons"] = [payload.finishReason];
      if (payload.timeToFirstTokenMs !== undefined) attributes["langchain.time_to_first_token_ms"] = payload.timeToFirstTokenMs;
      break;
    case "tool":
      attributes.function_input = json(payload.input);
      attributes.function_output = json(payload.output);
      if (payload.toolCallId !== undefined) attributes["gen_ai.tool.call.id"] = payload.toolCallId;
      attributes["gen_ai.tool.name"] = payload.toolName;
      break;
    case "retriever":
      attributes.function_input = payload.query;
      attributes.function_output = payload.documents === undefined ? "" : JSON.stringify(payload.documents);
      break;
    case "chain":
      attributes.function_input = json(payload.inputs);
      attributes.function_output = json(payload.outputs);
      break;
  }
  if (record.error !== undefined) {
    attributes["error.type"] = record.error.type;
    if (record.error.status !== undefined) attributes["http.response.status_code"] = record.error.status;
  }
  return attributes;
}

/**
 * A finished run as a `/spans-bulk` span. Ids are derived, never random, so a resent batch upserts
 * the same spans: the trace id from `record.traceId` (see `toTraceIdHex`), the span id from the run
 * id, the parent id from the parent run id (null for a root in this handler's view). Model runs are
 * `CLIENT` spans carrying a `log_request`; everything else is `INTERNAL`.
 */
export function toPromptLayerSpan(record: RunRecord, context: SpanContext): PromptLayerSpan {
  const logRequest = toLogRequest(record, context);
  const span: PromptLayerSpan = {
    name: record.name,
    context: { trace_id: toTraceIdHex(record.traceId), span_id: toSpanIdHex(record.runId), trace_state: "" },
    parent_id: record.parentRunId === undefined ? null : toSpanIdHex(record.parentRunId),
    kind: record.payload.kind === "model" ? "SpanKind.CLIENT" : "SpanKind.INTERNAL",
    start_time: toEpochNanos(record.startTime),
    end_time: toEpochNanos(Math.max(record.endTime, record.startTime)),
    status:
      record.status === "error"
        ? { status_code: "StatusCode.ERROR", description: record.error?.message ?? "error" }
        : { status_code: "StatusCode.OK", description: "" },
    attributes: attributesOf(record),
    events: (record.events ?? []).map((event) => ({
      name: event.name,
      timestamp: toEpochNanos(event.time),
      attributes: { data: json(event.data) },
    })),
    links: [],
    resource: { attributes: { "service.name": context.serviceName }, schema_url: "" },
  };
  if (logRequest !== undefined) span.log_request = logRequest;
  return span;
}
