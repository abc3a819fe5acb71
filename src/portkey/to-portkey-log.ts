import type {
  ChainPayload,
  JsonObject,
  JsonValue,
  ModelPayload,
  RecordMessage,
  RecordToolCall,
  RetrieverPayload,
  RunRecord,
  TokenUsage,
  ToolPayload,
} from "../core/run-record.ts";
import { boundedJson } from "./bounded-json.ts";
import { isPortkeyGateway } from "./is-portkey-gateway.ts";
import type { PortkeyLog, PortkeyLogRequest, PortkeyLogResponse } from "./portkey-log.ts";
import { toPortkeyMetadata } from "./portkey-metadata.ts";

/** What the mapping needs from the handler's configuration. */
export interface PortkeyMappingOptions {
  /** The handler's `metadata` option (already validated). */
  readonly metadata: Readonly<Record<string, string>>;
  /** User-listed gateway URLs, normalized with `toGatewayPrefix`. */
  readonly gatewayPrefixes: readonly string[];
}

/** Tool-call arguments are JSON text in OpenAI's format; bounded so one huge call cannot stall the hot path. */
const MAX_TOOL_ARGUMENTS_CHARS = 32_768;
const OPENAI_BASE_URL = "https://api.openai.com/v1";
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Maps one finished run to one Portkey log (see the wire page). Model runs become an OpenAI chat
 * request and `chat.completion` response (text LLMs: a completions request and `text_completion`),
 * so Portkey reads the model, messages, tool calls and token usage the way it reads its own gateway
 * logs; chain, tool and retriever runs carry their inputs and outputs. Returns undefined for a model
 * call that went through a Portkey gateway: the gateway has logged it already.
 */
export function toPortkeyLog(record: RunRecord, options: PortkeyMappingOptions): PortkeyLog | undefined {
  const { payload } = record;
  if (payload.kind === "model" && isPortkeyGateway(payload, options.gatewayPrefixes)) return undefined;
  const metadata = toPortkeyMetadata(record, options.metadata);
  if (payload.kind === "model" && payload.usage?.estimated === true) metadata.usageEstimated = "true";
  const log: PortkeyLog = {
    request: payload.kind === "model" ? modelRequest(record, payload) : spanRequest(record, payload),
    response: {
      status: record.status === "success" ? 200 : errorStatus(record),
      headers: NO_HEADERS,
      body: record.status === "success" ? responseBody(record) : errorBody(record),
      response_time: Math.max(0, Math.round(record.durationMs)),
      streamingMode: payload.kind === "model" && payload.streamed,
    } satisfies PortkeyLogResponse,
    metadata,
    trace_id: record.traceId,
    span_id: record.runId,
    span_name: record.name,
    start_time: record.startTime / 1000,
  };
  return record.parentRunId === undefined ? log : { ...log, parent_span_id: record.parentRunId };
}

function modelRequest(record: RunRecord, payload: ModelPayload): PortkeyLogRequest {
  const chat = record.runType === "chat_model";
  const base = payload.baseURL ?? (payload.provider === "openai" ? OPENAI_BASE_URL : undefined);
  const path = chat ? "/chat/completions" : "/completions";
  const body: JsonObject = { ...payload.invocationParams };
  const model = modelName(payload);
  if (model !== undefined) body.model = model;
  if (chat) body.messages = payload.inputMessages.map(toOpenAIMessage);
  else body.prompt = payload.prompts === undefined ? [] : [...payload.prompts];
  return {
    url: base === undefined ? spanURL(record) : `${base.endsWith("/") ? base.slice(0, -1) : base}${path}`,
    method: "POST",
    provider: nonEmpty(payload.provider) ?? nonEmpty(payload.serializedId?.[2]) ?? "langchain",
    headers: NO_HEADERS,
    body,
  };
}

function spanRequest(record: RunRecord, payload: ChainPayload | ToolPayload | RetrieverPayload): PortkeyLogRequest {
  return { url: spanURL(record), method: "POST", provider: "langchain", headers: NO_HEADERS, body: inputsOf(payload) };
}

function inputsOf(payload: ChainPayload | ToolPayload | RetrieverPayload): JsonObject {
  switch (payload.kind) {
    case "chain":
      return asObject(payload.inputs, "input");
    case "tool": {
      const body: JsonObject = { name: payload.toolName, input: payload.input };
      if (payload.toolCallId !== undefined) body.tool_call_id = payload.toolCallId;
      return body;
    }
    case "retriever":
      return { query: payload.query };
  }
}

function responseBody(record: RunRecord): JsonObject {
  const { payload } = record;
  switch (payload.kind) {
    case "model":
      return record.runType === "chat_model" ? chatCompletion(record, payload) : textCompletion(record, payload);
    case "chain": {
      const body = asObject(payload.outputs ?? null, "output");
      if (payload.agentActions !== undefined) {
        body.agent_actions = payload.agentActions.map((action) => ({ tool: action.tool, tool_input: action.toolInput, log: action.log, time: action.time }));
      }
      if (payload.agentFinish !== undefined) body.agent_finish = { return_values: payload.agentFinish.returnValues, log: payload.agentFinish.log };
      return withEvents(body, record);
    }
    case "tool":
      return withEvents({ output: payload.output ?? null }, record);
    case "retriever":
      return withEvents(
        {
          documents: (payload.documents ?? []).map((doc) => {
            const out: JsonObject = { pageContent: doc.pageContent, metadata: doc.metadata };
            if (doc.id !== undefined) out.id = doc.id;
            return out;
          }),
        },
        record,
      );
  }
}

function chatCompletion(record: RunRecord, payload: ModelPayload): JsonObject {
  const body: JsonObject = {
    id: payload.responseId ?? `chatcmpl-${record.runId}`,
    object: "chat.completion",
    created: Math.floor(record.endTime / 1000),
    model: modelName(payload) ?? null,
    choices: payload.outputMessages.map((message, index) => ({
      index,
      message: toOpenAIMessage({ ...message, role: "assistant" }),
      finish_reason: finishReason(payload, message, index),
    })),
  };
  if (payload.usage !== undefined) body.usage = toOpenAIUsage(payload.usage);
  return body;
}

function textCompletion(record: RunRecord, payload: ModelPayload): JsonObject {
  const body: JsonObject = {
    id: payload.responseId ?? `cmpl-${record.runId}`,
    object: "text_completion",
    created: Math.floor(record.endTime / 1000),
    model: modelName(payload) ?? null,
    choices: payload.outputMessages.map((message, index) => ({
      index,
      text: textOf(message.content),
      finish_reason: finishReason(payload, message, index),
    })),
  };
  if (payload.usage !== undefined) body.usage = toOpenAIUsage(payload.usage);
  return body;
}

/** The provider's HTTP status when it is one (a bad status would get the whole batch refused), else 500. */
function errorStatus(record: RunRecord): number {
  const status = record.error?.status;
  return status !== undefined && Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

function errorBody(record: RunRecord): JsonObject {
  const error: JsonObject = { message: record.error?.message ?? "", type: record.error?.type ?? "Error" };
  if (record.error?.code !== undefined) error.code = record.error.code;
  return { error };
}

/** An OpenAI chat message: content `null` when an assistant message only calls tools, as OpenAI sends it. */
function toOpenAIMessage(message: RecordMessage): JsonObject {
  const toolCalls = message.toolCalls ?? [];
  const content: JsonValue = typeof message.content === "string" ? message.content : message.content.map((part) => ({ ...part }));
  const out: JsonObject = { role: message.role, content: toolCalls.length > 0 && content === "" ? null : content };
  if (message.name !== undefined) out.name = message.name;
  if (toolCalls.length > 0) out.tool_calls = toolCalls.map(toOpenAIToolCall);
  if (message.toolCallId !== undefined) out.tool_call_id = message.toolCallId;
  return out;
}

function toOpenAIToolCall(call: RecordToolCall): JsonObject {
  const out: JsonObject = {
    type: "function",
    function: { name: call.name, arguments: typeof call.args === "string" ? call.args : boundedJson(call.args, MAX_TOOL_ARGUMENTS_CHARS) },
  };
  return call.id === undefined ? out : { id: call.id, ...out };
}

function toOpenAIUsage(usage: TokenUsage): JsonObject {
  const out: JsonObject = {};
  if (usage.promptTokens !== undefined) out.prompt_tokens = usage.promptTokens;
  if (usage.completionTokens !== undefined) out.completion_tokens = usage.completionTokens;
  const total = usage.totalTokens ?? (usage.promptTokens ?? 0) + (usage.completionTokens ?? 0);
  out.total_tokens = total;
  if (usage.cachedPromptTokens !== undefined) out.prompt_tokens_details = { cached_tokens: usage.cachedPromptTokens };
  if (usage.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return out;
}

function finishReason(payload: ModelPayload, message: RecordMessage, index: number): string {
  if (index === 0 && payload.finishReason !== undefined) return payload.finishReason;
  return (message.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop";
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === "" ? undefined : text;
}

function modelName(payload: ModelPayload): string | undefined {
  const fromParams = payload.invocationParams.model;
  return payload.model ?? (typeof fromParams === "string" ? fromParams : undefined);
}

function textOf(content: RecordMessage["content"]): string {
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : "")).join("");
}

function asObject(value: JsonValue, key: string): JsonObject {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return { ...value };
  return { [key]: value };
}

function withEvents(body: JsonObject, record: RunRecord): JsonObject {
  if (record.events === undefined || record.events.length === 0) return body;
  body.events = record.events.map((event) => ({ name: event.name, data: event.data, time: event.time }));
  return body;
}

/** Spans that are not HTTP calls still need a URL; this one names the run. */
function spanURL(record: RunRecord): string {
  return `langchain://${record.runType}/${encodeURIComponent(record.name)}`;
}
