import type { JsonObject } from "../core/run-record.ts";

/**
 * One Portkey log object as `POST {baseURL}/logs` accepts it (see the wire page): the request and
 * response of one span, its string-only metadata, and the trace fields twice — camelCase inside
 * `metadata` (Portkey's docs and OpenTelemetry exporter) and snake_case at the top level (Portkey's
 * Python LangChain handler).
 */
export interface PortkeyLog {
  readonly request: PortkeyLogRequest;
  readonly response: PortkeyLogResponse;
  /** Every value a string of at most 128 characters. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly trace_id: string;
  readonly span_id: string;
  /** Absent for a root span. */
  readonly parent_span_id?: string;
  readonly span_name: string;
  /** Epoch seconds, sub-second precision. */
  readonly start_time: number;
}

/** The request half of a log: OpenAI-shaped for model spans, the run's inputs otherwise. */
export interface PortkeyLogRequest {
  readonly url: string;
  readonly method: "POST";
  readonly provider: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: JsonObject;
}

/** The response half of a log: OpenAI-shaped for model spans, the run's outputs otherwise. */
export interface PortkeyLogResponse {
  /** 200 for a successful run; the provider's status (else 500) for a failed one. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: JsonObject;
  /** Integer milliseconds. */
  readonly response_time: number;
  readonly streamingMode: boolean;
}
