/**
 * LangChain messages → {@link RecordMessage}s (roles human→user, ai→assistant, system, tool, function),
 * with tool calls parsed and every value sanitized.
 */
import type { ContentPart, JsonValue, RecordMessage, RecordToolCall } from "./run-record.ts";
import { isLangChainMessage, messageRole, messageToolCalls } from "./message-shape.ts";
import type { SanitizeLimits } from "./sanitize.ts";
import { sanitize, truncateString } from "./sanitize.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function contentOf(content: unknown, limits: SanitizeLimits): string | ContentPart[] {
  if (typeof content === "string") return truncateString(content, limits.maxStringLength);
  if (!Array.isArray(content)) {
    const value = sanitize(content, limits);
    return typeof value === "string" ? value : value === null ? "" : [{ type: "json", value }];
  }
  const parts: ContentPart[] = [];
  for (const part of sanitize(content, limits) as JsonValue[]) {
    if (typeof part === "string") parts.push({ type: "text", text: part });
    else if (isRecord(part) && typeof part.type === "string") parts.push(part as ContentPart);
    else if (part !== null) parts.push({ type: "json", value: part });
  }
  return parts;
}

function parseArgs(args: unknown, limits: SanitizeLimits): JsonValue {
  if (typeof args === "string") {
    try {
      return sanitize(JSON.parse(args) as unknown, limits);
    } catch {
      return truncateString(args, limits.maxStringLength);
    }
  }
  return args === undefined ? {} : sanitize(args, limits);
}

/** One message; plain `{ role, content }` objects and strings are accepted too. Never throws. */
export function toRecordMessage(message: unknown, limits: SanitizeLimits): RecordMessage {
  try {
    if (typeof message === "string") return { role: "user", content: truncateString(message, limits.maxStringLength) };
    if (!isRecord(message)) return { role: "unknown", content: contentOf(message, limits) };
    const role = isLangChainMessage(message) ? messageRole(message) : typeof message.role === "string" ? message.role : "unknown";
    const result: {
      role: string;
      content: string | ContentPart[];
      name?: string;
      toolCalls?: RecordToolCall[];
      toolCallId?: string;
    } = { role, content: contentOf(message.content, limits) };
    if (typeof message.name === "string" && message.name !== "") result.name = truncateString(message.name, 256);
    const calls = messageToolCalls(message);
    if (calls.length > 0) {
      result.toolCalls = calls.map((call) => {
        const parsed: { id?: string; name: string; args: JsonValue } = {
          name: truncateString(call.name, 256),
          args: parseArgs(call.args, limits),
        };
        if (typeof call.id === "string") parsed.id = call.id;
        return parsed;
      });
    }
    if (typeof message.tool_call_id === "string") result.toolCallId = message.tool_call_id;
    return result;
  } catch {
    return { role: "unknown", content: "[Unserializable]" };
  }
}

/** A list of messages (anything not a list yields `[]`). */
export function toRecordMessages(messages: unknown, limits: SanitizeLimits): RecordMessage[] {
  if (!Array.isArray(messages)) return [];
  const max = limits.maxArrayLength ?? 1000;
  return (messages as unknown[]).slice(0, max).map((message) => toRecordMessage(message, limits));
}
