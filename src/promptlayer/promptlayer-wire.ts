/**
 * The JSON PromptLayer accepts, as `../shared/docs/wire-promptlayer.md` describes it: spans for
 * `POST /spans-bulk` and request logs for `POST /log-request` (also embedded in LLM spans).
 */
import type { JsonObject, JsonValue } from "../core/run-record.ts";

/** A content block of a blueprint message. `content` is always an array of these, never a string. */
export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } }
  | ({ type: string } & JsonObject);

/** A tool call of an assistant blueprint message (OpenAI shape; `arguments` is a JSON string). */
export interface BlueprintToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A message of a chat blueprint. */
export interface BlueprintMessage {
  role: "system" | "user" | "assistant" | "tool" | "function" | "developer";
  content: ContentBlock[];
  name?: string;
  tool_calls?: BlueprintToolCall[];
  tool_call_id?: string;
}

/** A prompt blueprint: the input or output of a logged request. */
export type PromptBlueprint = { type: "chat"; messages: BlueprintMessage[] } | { type: "completion"; content: ContentBlock[] };

/** The body of `POST /log-request`, and the `log_request` of an LLM span. */
export interface LogRequestBody {
  provider: string;
  model: string;
  input: PromptBlueprint;
  output: PromptBlueprint;
  /** ISO-8601. */
  request_start_time: string;
  /** ISO-8601. */
  request_end_time: string;
  parameters?: JsonObject;
  /** Each at most 512 characters. */
  tags?: string[];
  /** String values only. */
  metadata?: Record<string, string>;
  prompt_name?: string;
  prompt_version_number?: number;
  prompt_input_variables?: JsonObject;
  input_tokens?: number;
  output_tokens?: number;
  function_name?: string;
  status?: "SUCCESS" | "WARNING" | "ERROR";
  error_type?: string;
  /** At most 1024 characters. */
  error_message?: string;
}

/** One span of `POST /spans-bulk` (OpenTelemetry's JSON export shape). */
export interface PromptLayerSpan {
  name: string;
  context: { trace_id: string; span_id: string; trace_state: "" };
  parent_id: string | null;
  kind: "SpanKind.CLIENT" | "SpanKind.INTERNAL";
  /** Nanoseconds since the epoch. */
  start_time: number;
  /** Nanoseconds since the epoch. */
  end_time: number;
  status: { status_code: "StatusCode.OK" | "StatusCode.ERROR"; description: string };
  attributes: { [key: string]: JsonValue };
  events: JsonValue[];
  links: JsonValue[];
  resource: { attributes: { "service.name": string }; schema_url: "" };
  /** Present on LLM and chat-model spans. */
  log_request?: LogRequestBody;
}
