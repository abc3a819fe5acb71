import type { JsonValue } from "../core/run-record.ts";

const ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };
// Quotes, backslashes, control characters and lone surrogates need escaping in JSON text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point: JSON escapes them
const NEEDS_ESCAPE = /["\\\u0000-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(char: string): string {
  return ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Encodes a JSON value as JSON text, stopping once `maxChars` characters are written: the cost is
 * bounded by the output, never by the size of the value, which is why the hot path can afford it
 * where `JSON.stringify` would walk everything. A cut result ends with `…` and is no longer valid
 * JSON; callers use it only where a bounded, readable string is wanted (metadata values, tool-call
 * arguments).
 */
export function boundedJson(value: JsonValue, maxChars: number): string {
  const out: string[] = [];
  let length = 0;
  let cut = false;

  const write = (text: string): boolean => {
    if (length + text.length > maxChars) {
      out.push(text.slice(0, Math.max(0, maxChars - length)));
      length = maxChars;
      cut = true;
      return false;
    }
    out.push(text);
    length += text.length;
    return true;
  };

  const writeString = (text: string): boolean => {
    // Escape only what is written: a huge string costs at most maxChars to encode.
    const head = text.length > maxChars ? text.slice(0, maxChars) : text;
    return write(`"${head.replace(NEEDS_ESCAPE, escapeChar)}"`) && head.length === text.length;
  };

  const walk = (node: JsonValue): boolean => {
    if (node === null) return write("null");
    if (typeof node === "string") return writeString(node);
    if (typeof node === "number") return write(Number.isFinite(node) ? String(node) : "null");
    if (typeof node === "boolean") return write(node ? "true" : "false");
    if (Array.isArray(node)) {
      if (!write("[")) return false;
      for (let i = 0; i < node.length; i++) {
        if (i > 0 && !write(",")) return false;
        if (!walk(node[i] ?? null)) return false;
      }
      return write("]");
    }
    if (!write("{")) return false;
    let first = true;
    for (const [key, child] of Object.entries(node)) {
      if (!first && !write(",")) return false;
      first = false;
      if (!writeString(key) || !write(":") || !walk(child)) return false;
    }
    return write("}");
  };

  walk(value);
  if (!cut) return out.join("");
  const text = out.join("");
  return `${trimSurrogate(text.slice(0, Math.max(0, maxChars - 1)))}…`;
}

/** Cuts a string to `maxChars` UTF-16 units, never splitting a surrogate pair, marking the cut with `…`. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${trimSurrogate(text.slice(0, Math.max(0, maxChars - 1)))}…`;
}

function trimSurrogate(text: string): string {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? text.slice(0, -1) : text;
}
