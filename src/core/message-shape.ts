/**
 * Recognizes LangChain messages and documents by their shape (not `instanceof`: a user may have
 * two copies of `@langchain/core`) and turns them into plain objects with OpenAI-style roles.
 * The results are not yet sanitized.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** A LangChain message instance: has `content` and a `getType()`/`_getType()` method. */
export function isLangChainMessage(value: unknown): boolean {
  if (!isRecord(value) || !("content" in value)) return false;
  return typeof value.getType === "function" || typeof value._getType === "function";
}

/** A LangChain `Document`: `pageContent` string plus `metadata`. */
export function isLangChainDocument(value: unknown): boolean {
  return isRecord(value) && typeof value.pageContent === "string" && "metadata" in value;
}

const ROLE_BY_TYPE: Record<string, string> = {
  human: "user",
  ai: "assistant",
  system: "system",
  developer: "developer",
  tool: "tool",
  function: "function",
  remove: "remove",
};

function messageType(message: Record<string, unknown>): string {
  const getType = typeof message.getType === "function" ? message.getType : message._getType;
  if (typeof getType === "function") {
    const type: unknown = getType.call(message);
    if (typeof type === "string") return type;
  }
  return typeof message.type === "string" ? message.type : "unknown";
}

/**
 * The OpenAI-style role of a message: human→user, ai→assistant, system (developer when OpenAI's
 * `__openai_role__` says so), tool, function; a `ChatMessage`'s own role; otherwise the LangChain type.
 */
export function messageRole(message: Record<string, unknown>): string {
  const type = messageType(message);
  if (type === "generic" && typeof message.role === "string") return message.role;
  if (type === "system" && isRecord(message.additional_kwargs) && message.additional_kwargs.__openai_role__ === "developer") {
    return "developer";
  }
  return ROLE_BY_TYPE[type] ?? type;
}

/** A raw tool call in LangChain's shape (`{ id, name, args }`), from `tool_calls` or `invalid_tool_calls`. */
export interface RawToolCall {
  id?: unknown;
  name: string;
  args: unknown;
}

/** Tool calls of an AI message: parsed `tool_calls`, then `invalid_tool_calls` with their raw argument strings. */
export function messageToolCalls(message: Record<string, unknown>): RawToolCall[] {
  const calls: RawToolCall[] = [];
  for (const key of ["tool_calls", "invalid_tool_calls"] as const) {
    const list = message[key];
    if (!Array.isArray(list)) continue;
    for (const call of list as unknown[]) {
      if (!isRecord(call)) continue;
      calls.push({ id: call.id, name: typeof call.name === "string" ? call.name : "", args: call.args });
    }
  }
  return calls;
}

/** A plain object for a LangChain message: `{ role, content, name?, tool_calls?, tool_call_id? }`. */
export function plainMessage(message: Record<string, unknown>): Record<string, unknown> {
  const plain: Record<string, unknown> = { role: messageRole(message), content: message.content };
  if (typeof message.name === "string" && message.name !== "") plain.name = message.name;
  const toolCalls = messageToolCalls(message);
  if (toolCalls.length > 0) plain.tool_calls = toolCalls;
  if (typeof message.tool_call_id === "string") plain.tool_call_id = message.tool_call_id;
  return plain;
}

/** A plain object for a LangChain document: `{ pageContent, metadata, id? }`. */
export function plainDocument(document: Record<string, unknown>): Record<string, unknown> {
  const plain: Record<string, unknown> = { pageContent: document.pageContent, metadata: document.metadata };
  if (typeof document.id === "string") plain.id = document.id;
  return plain;
}
