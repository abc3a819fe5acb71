/**
 * The finished, immutable record of one LangChain run: what the run tracker produces and every
 * vendor mapping consumes. Everything in it is already sanitized: strings are bounded, credentials
 * stripped, and values are plain JSON (no class instances, cycles, BigInt or symbols).
 */

/** The kind of LangChain run. */
export type RunType = "llm" | "chat_model" | "chain" | "tool" | "retriever";

/** How a run ended. */
export type RunStatus = "success" | "error";

/** A JSON value as it will be serialized. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** One part of a multi-part message content (text, image, …), as LangChain gave it, sanitized. */
export type ContentPart = { type: "text"; text: string } | ({ type: string } & JsonObject);

/** A tool call requested by a model. */
export interface RecordToolCall {
  /** The provider's tool call id (e.g. `call_abc`), when given. */
  readonly id?: string;
  readonly name: string;
  /** Parsed arguments (an object for well-formed calls; the raw string when it did not parse). */
  readonly args: JsonValue;
}

/** A chat message in or out of a model, normalized from LangChain's message classes. */
export interface RecordMessage {
  /** `system` | `user` | `assistant` | `tool` | `function` | `developer`, or a custom role. */
  readonly role: string;
  /** Plain text, or the parts of a multi-part message. */
  readonly content: string | readonly ContentPart[];
  readonly name?: string;
  /** Tool calls requested by an assistant message. */
  readonly toolCalls?: readonly RecordToolCall[];
  /** For a `tool` message: the id of the call it answers. */
  readonly toolCallId?: string;
}

/** Token usage of one model call. */
export interface TokenUsage {
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly totalTokens?: number;
  /** Prompt tokens served from the provider's cache, where reported. */
  readonly cachedPromptTokens?: number;
  /** Completion tokens spent on reasoning, where reported. */
  readonly reasoningTokens?: number;
  /** The provider's detail maps as given (`input_token_details`, `output_token_details`). */
  readonly inputTokenDetails?: Readonly<Record<string, number>>;
  readonly outputTokenDetails?: Readonly<Record<string, number>>;
  /** True when the numbers are LangChain's estimate, not the provider's count. */
  readonly estimated: boolean;
}

/** Why a run failed. */
export interface RunError {
  /** The error's class or `name` (e.g. `RateLimitError`). */
  readonly type: string;
  readonly message: string;
  /** The provider's HTTP status, where known (e.g. 429). */
  readonly status?: number;
  /** A provider error code, where known (e.g. `rate_limit_exceeded`). */
  readonly code?: string;
}

/** Payload of an `llm` or `chat_model` run. */
export interface ModelPayload {
  readonly kind: "model";
  /** The model name (`gpt-4o-mini`), from invocation params, metadata or the response. */
  readonly model?: string;
  /** The provider (`openai`, `anthropic`, …), from `ls_provider` or the model's class. */
  readonly provider?: string;
  /** LangChain's id of the model class, e.g. `["langchain", "chat_models", "openai", "ChatOpenAI"]`. */
  readonly serializedId?: readonly string[];
  /** The base URL the model calls, when configured (used to detect gateways); never credentials. */
  readonly baseURL?: string;
  /** Lower-cased names of the model's configured default headers (values are never kept). */
  readonly headerNames?: readonly string[];
  /** Invocation params (`model`, `temperature`, `tools`, `stream`, …) with credentials removed. */
  readonly invocationParams: JsonObject;
  /** Chat input messages (chat models); the first prompt list's messages. */
  readonly inputMessages: readonly RecordMessage[];
  /** Text prompts (text LLMs started with `handleLLMStart`). */
  readonly prompts?: readonly string[];
  /** Output messages, one per generation of the first prompt; tool calls included. */
  readonly outputMessages: readonly RecordMessage[];
  /** The finish reason of the first generation (`stop`, `tool_calls`, `length`, …). */
  readonly finishReason?: string;
  readonly usage?: TokenUsage;
  /** True when the run streamed tokens (`handleLLMNewToken` fired). */
  readonly streamed: boolean;
  /** Milliseconds from run start to the first token that carried content or a tool-call delta. */
  readonly timeToFirstTokenMs?: number;
  /** Number of streamed chunks seen (tokens are counted, never stored one by one). */
  readonly chunkCount?: number;
  /** The provider's response id (`chatcmpl-…`), where given. */
  readonly responseId?: string;
}

/** Payload of a `tool` run. */
export interface ToolPayload {
  readonly kind: "tool";
  readonly toolName: string;
  readonly input: JsonValue;
  readonly output?: JsonValue;
  /** The id of the model's tool call this run answers (set by `createAgent` / ToolNode). */
  readonly toolCallId?: string;
}

/** A retrieved document. */
export interface RecordDocument {
  readonly pageContent: string;
  readonly metadata: JsonObject;
  readonly id?: string;
}

/** Payload of a `retriever` run. */
export interface RetrieverPayload {
  readonly kind: "retriever";
  readonly query: string;
  readonly documents?: readonly RecordDocument[];
}

/** An agent step reported by the legacy `AgentExecutor` (`handleAgentAction`). */
export interface RecordAgentAction {
  readonly tool: string;
  readonly toolInput: JsonValue;
  readonly log: string;
  /** Epoch milliseconds. */
  readonly time: number;
}

/** Payload of a `chain` run (including agent and graph runs). */
export interface ChainPayload {
  readonly kind: "chain";
  readonly inputs: JsonValue;
  readonly outputs?: JsonValue;
  /** Agent actions (legacy `AgentExecutor` only; `createAgent` reports tool runs instead). */
  readonly agentActions?: readonly RecordAgentAction[];
  /** The agent's final return values and log (legacy `AgentExecutor`). */
  readonly agentFinish?: { readonly returnValues: JsonValue; readonly log: string };
}

export type RunPayload = ModelPayload | ToolPayload | RetrieverPayload | ChainPayload;

/** A custom event (`dispatchCustomEvent`) recorded on the run it names. */
export interface RecordEvent {
  readonly name: string;
  readonly data: JsonValue;
  /** Epoch milliseconds. */
  readonly time: number;
}

/** One finished LangChain run. Immutable (frozen) once produced. */
export interface RunRecord {
  /** LangChain's run id (UUID v7): stable, so a backend can deduplicate resends. */
  readonly runId: string;
  /**
   * The parent run as this handler saw it; undefined for a root. A run whose LangChain parent this
   * handler never saw is a root here, and its LangChain parent id is kept in `externalParentRunId`.
   */
  readonly parentRunId?: string;
  /** LangChain's parent run id when that parent was never seen by this handler. */
  readonly externalParentRunId?: string;
  /** Shared by every run of one invocation tree (see the README, "Trace ids"). */
  readonly traceId: string;
  /** The root run of this trace as seen by this handler. */
  readonly rootRunId: string;
  readonly runType: RunType;
  /** The run's name (`ChatOpenAI`, `LangGraph`, `multiply`, `config.runName`, …). */
  readonly name: string;
  /** Epoch milliseconds, sub-millisecond precision. */
  readonly startTime: number;
  /** Epoch milliseconds, sub-millisecond precision. */
  readonly endTime: number;
  /** `endTime - startTime`, measured on a monotonic clock. */
  readonly durationMs: number;
  readonly status: RunStatus;
  readonly error?: RunError;
  readonly tags: readonly string[];
  /** The run's LangChain metadata (inherited config metadata included), sanitized. */
  readonly metadata: JsonObject;
  readonly payload: RunPayload;
  /** Custom events dispatched during the run: the first 1000, then one `…` entry counting the rest. */
  readonly events?: readonly RecordEvent[];
  /** Nesting depth in this handler's view (0 for a root). */
  readonly depth: number;
  /** True when `hideInputs` replaced the payload's inputs by `"[hidden]"` (message lists emptied). */
  readonly inputsHidden?: boolean;
  /** True when `hideOutputs` replaced the payload's outputs by `"[hidden]"` (message lists emptied). */
  readonly outputsHidden?: boolean;
}
