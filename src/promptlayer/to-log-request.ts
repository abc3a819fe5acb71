import type { ContentPart, JsonObject, JsonValue, ModelPayload, RecordMessage, RunRecord } from "../core/run-record.ts";
import type { PromptLink } from "./prompt-link.ts";
import { PROMPT_METADATA_KEYS } from "./prompt-layer-prompt.ts";
import type { BlueprintMessage, BlueprintToolCall, ContentBlock, LogRequestBody, PromptBlueprint } from "./promptlayer-wire.ts";

/** Limits of the request log (wire page). */
const MAX_TAG_CHARS = 512;
const MAX_ERROR_MESSAGE_CHARS = 1024;
const MAX_METADATA_VALUE_CHARS = 1024;

/** What the mapping needs besides the record. */
export interface LogRequestContext {
  /** `pl_tags`: sent first in `tags`, before the run's own tags. */
  readonly plTags: readonly string[];
  /** The registry template the run is linked to, if any. */
  readonly prompt?: PromptLink;
}

const ROLES: Readonly<Record<string, BlueprintMessage["role"]>> = {
  system: "system",
  user: "user",
  human: "user",
  assistant: "assistant",
  ai: "assistant",
  tool: "tool",
  function: "function",
  developer: "developer",
};

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function toBlock(value: ContentPart | string): ContentBlock {
  // Where the exporter cut parts to fit `maxBatchBytes`, a marker string stands in their place.
  if (typeof value === "string") return { type: "text", text: value };
  const part = value;
  if (part.type === "text" && typeof part.text === "string") return { type: "text", text: part.text };
  if (part.type === "image_url") {
    const image = part.image_url;
    if (typeof image === "string") return { type: "image_url", image_url: { url: image } };
    if (typeof image === "object" && image !== null && !Array.isArray(image) && typeof image.url === "string") {
      return typeof image.detail === "string"
        ? { type: "image_url", image_url: { url: image.url, detail: image.detail } }
        : { type: "image_url", image_url: { url: image.url } };
    }
  }
  return { ...part };
}

/** Message content as blocks: PromptLayer rejects a plain string, and an empty text is no block. */
export function toContentBlocks(content: string | readonly ContentPart[]): ContentBlock[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  return (content as readonly (ContentPart | string)[]).map(toBlock);
}

function toToolCall(call: { readonly id?: string; readonly name: string; readonly args: JsonValue }): BlueprintToolCall {
  return {
    id: call.id ?? "",
    type: "function",
    function: { name: call.name, arguments: typeof call.args === "string" ? call.args : JSON.stringify(call.args) },
  };
}

/** A LangChain message as a blueprint message: tool calls and tool results kept, content as blocks. */
export function toBlueprintMessage(message: RecordMessage): BlueprintMessage {
  const out: BlueprintMessage = { role: ROLES[message.role] ?? "user", content: toContentBlocks(message.content) };
  if (message.name !== undefined && message.name !== "") out.name = message.name;
  if (message.toolCalls !== undefined && message.toolCalls.length > 0) out.tool_calls = message.toolCalls.map(toToolCall);
  if (message.toolCallId !== undefined) out.tool_call_id = message.toolCallId;
  return out;
}

/**
 * Blueprint messages of a list. Where the exporter cut messages to fit `maxBatchBytes`, a marker
 * string stands in their place: it is kept as a text message, so the request is still logged.
 */
function toBlueprintMessages(messages: readonly RecordMessage[], markerRole: BlueprintMessage["role"]): BlueprintMessage[] {
  return (messages as readonly (RecordMessage | string)[]).map((message) =>
    typeof message === "string" ? { role: markerRole, content: [{ type: "text", text: message }] } : toBlueprintMessage(message),
  );
}

function isCompletion(record: RunRecord, payload: ModelPayload): boolean {
  return record.runType === "llm" || (payload.inputMessages.length === 0 && payload.prompts !== undefined);
}

function blueprints(record: RunRecord, payload: ModelPayload): { input: PromptBlueprint; output: PromptBlueprint } {
  if (isCompletion(record, payload)) {
    const first = payload.outputMessages[0];
    return {
      input: { type: "completion", content: toContentBlocks(payload.prompts?.[0] ?? "") },
      output: { type: "completion", content: first === undefined ? [] : toContentBlocks(first.content) },
    };
  }
  return {
    input: { type: "chat", messages: toBlueprintMessages(payload.inputMessages, "user") },
    output: { type: "chat", messages: toBlueprintMessages(payload.outputMessages, "assistant") },
  };
}

function modelName(payload: ModelPayload): string {
  if (payload.model !== undefined && payload.model !== "") return payload.model;
  const fromParams = payload.invocationParams.model;
  return typeof fromParams === "string" && fromParams !== "" ? fromParams : "unknown";
}

function toTags(plTags: readonly string[], runTags: readonly string[]): string[] {
  const tags = new Set<string>();
  for (const tag of plTags) tags.add(truncate(tag, MAX_TAG_CHARS));
  for (const tag of runTags) tags.add(truncate(tag, MAX_TAG_CHARS));
  return [...tags];
}

const PROMPT_KEYS: ReadonlySet<string> = new Set(Object.values(PROMPT_METADATA_KEYS));

/**
 * String-only metadata: the LangChain ids first (`_langchain_run_id`, `_langchain_parent_run_id`,
 * `_langchain_trace_id`, as LangChain Python's handler names them), then the run's own metadata with
 * non-string values JSON-encoded. LangChain's `ls_*` keys repeat the provider and model and are left out.
 */
function toMetadata(record: RunRecord, prompt: PromptLink | undefined): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(record.metadata)) {
    if (PROMPT_KEYS.has(key) || key.startsWith("ls_") || value === null) continue;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    metadata[key] = truncate(text, MAX_METADATA_VALUE_CHARS);
  }
  metadata._langchain_run_id = record.runId;
  const parent = record.parentRunId ?? record.externalParentRunId;
  if (parent !== undefined) metadata._langchain_parent_run_id = parent;
  metadata._langchain_trace_id = record.traceId;
  if (prompt?.label !== undefined) metadata.prompt_label = prompt.label;
  return metadata;
}

/** Sampling parameters as sent. `.stream()` calls report `stream: false` at start; what happened wins. */
function parameters(payload: ModelPayload): JsonObject {
  const params: JsonObject = {};
  for (const [key, value] of Object.entries(payload.invocationParams)) {
    if (key !== "model" && key !== "model_name") params[key] = value;
  }
  if (payload.streamed) params.stream = true;
  return params;
}

/**
 * The `/log-request` body of a finished LLM or chat-model run (also the `log_request` of its span);
 * undefined for other runs. Runs off the hot path (at send time), so JSON-encoding here is fine.
 */
export function toLogRequest(record: RunRecord, context: LogRequestContext): LogRequestBody | undefined {
  const payload = record.payload;
  if (payload.kind !== "model") return undefined;
  const { input, output } = blueprints(record, payload);
  const body: LogRequestBody = {
    provider: payload.provider ?? payload.serializedId?.[2] ?? "unknown",
    model: modelName(payload),
    input,
    output,
    request_start_time: new Date(record.startTime).toISOString(),
    request_end_time: new Date(record.endTime).toISOString(),
    parameters: parameters(payload),
    tags: toTags(context.plTags, record.tags),
    metadata: toMetadata(record, context.prompt),
    function_name:
      payload.serializedId !== undefined && payload.serializedId.length > 0 ? payload.serializedId.join(".") : `langchain.${record.name}`,
    status: record.status === "error" ? "ERROR" : "SUCCESS",
  };
  const usage = payload.usage;
  if (usage?.promptTokens !== undefined) body.input_tokens = usage.promptTokens;
  if (usage?.completionTokens !== undefined) body.output_tokens = usage.completionTokens;
  if (record.status === "error") {
    body.error_type = record.error?.type ?? "Error";
    body.error_message = truncate(record.error?.message ?? "unknown error", MAX_ERROR_MESSAGE_CHARS);
  }
  const prompt = context.prompt;
  if (prompt !== undefined) {
    body.prompt_name = prompt.name;
    if (prompt.version !== undefined) body.prompt_version_number = prompt.version;
    if (prompt.inputVariables !== undefined) body.prompt_input_variables = prompt.inputVariables;
  }
  return body;
}
