/**
 * Turns anything LangChain or a user hands us into a bounded, JSON-safe value. Never throws.
 *
 * - cycles → `"[Circular]"`; BigInt → its decimal string; NaN/±Infinity → their names;
 * - symbols and functions are dropped from objects (`null` in arrays, like `JSON.stringify`);
 * - class instances → their own enumerable fields; LangChain messages and documents → their own
 *   shapes (`{ role, content, tool_calls, … }`, `{ pageContent, metadata }`);
 * - Dates → ISO strings, Errors → `{ name, message, status?, code? }`, Maps → objects, Sets → arrays,
 *   binary data → a `"[Uint8Array 123 bytes]"` note;
 * - strings longer than `maxStringLength` → cut, with a visible `…[truncated N chars]` marker;
 * - depth, array length, key count and total size bounded;
 * - credential-looking keys (see `isSecretKey`) → `"[redacted]"`; a `configuration` object →
 *   only its sanitized `baseURL`.
 */
import type { JsonObject, JsonValue } from "./run-record.ts";
import { isLangChainDocument, isLangChainMessage, plainDocument, plainMessage } from "./message-shape.ts";
import { REDACTED, isConfigurationKey, isSecretKey, redactUrl } from "./redact.ts";

/** Bounds of one sanitize call. */
export interface SanitizeLimits {
  readonly maxStringLength: number;
  /** @default 24 */
  readonly maxDepth?: number;
  /** @default 1000 */
  readonly maxArrayLength?: number;
  /** @default 500 */
  readonly maxObjectKeys?: number;
  /** Total values visited before the rest is replaced by a marker. @default 20000 */
  readonly maxNodes?: number;
}

/** Cuts a string longer than `max`, appending a visible `…[truncated N chars]` marker. */
export function truncateString(value: string, max: number): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}…[truncated ${value.length - max} chars]`;
}

interface Walk {
  readonly maxString: number;
  readonly maxDepth: number;
  readonly maxArray: number;
  readonly maxKeys: number;
  nodesLeft: number;
  readonly ancestors: Set<object>;
}

const DROP = Symbol("drop");
type Walked = JsonValue | typeof DROP;

function errorShape(error: Error): Record<string, unknown> {
  const shape: Record<string, unknown> = { name: error.name, message: error.message };
  const fields = error as unknown as Record<string, unknown>;
  for (const key of ["status", "code", "type"]) {
    const value = fields[key];
    if (typeof value === "string" || typeof value === "number") shape[key] = value;
  }
  return shape;
}

function walkObject(value: object, walk: Walk, depth: number): Walked {
  if (walk.ancestors.has(value)) return "[Circular]";
  if (depth >= walk.maxDepth) return Array.isArray(value) ? "[Array]" : "[Object]";

  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer) return `[ArrayBuffer ${value.byteLength} bytes]`;
  if (value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet) return DROP;

  walk.ancestors.add(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      const items: unknown[] = Array.isArray(value) ? value : [...value];
      const out: JsonValue[] = [];
      const count = Math.min(items.length, walk.maxArray);
      for (let i = 0; i < count; i++) {
        const item = walkValue(items[i], walk, depth + 1);
        out.push(item === DROP ? null : item);
      }
      if (items.length > count) out.push(`…[${items.length - count} more items]`);
      return out;
    }

    let source: object = value;
    if (value instanceof Map) source = Object.fromEntries([...value.entries()].slice(0, walk.maxKeys).map(([k, v]) => [String(k), v as unknown]));
    else if (value instanceof Error) source = errorShape(value);
    else if (isLangChainMessage(value)) source = plainMessage(value as Record<string, unknown>);
    else if (isLangChainDocument(value)) source = plainDocument(value as Record<string, unknown>);

    const out: JsonObject = {};
    const keys = Object.keys(source);
    const count = Math.min(keys.length, walk.maxKeys);
    const record = source as Record<string, unknown>;
    for (let i = 0; i < count; i++) {
      const key = keys[i] as string;
      if (isSecretKey(key)) {
        out[key] = REDACTED;
        continue;
      }
      let child: unknown;
      try {
        child = record[key];
      } catch {
        out[key] = "[Unreadable]";
        continue;
      }
      if (typeof child === "object" && child !== null && isConfigurationKey(key)) {
        const baseURL = redactUrl((child as Record<string, unknown>).baseURL);
        out[key] = baseURL === undefined ? {} : { baseURL };
        continue;
      }
      const walked = walkValue(child, walk, depth + 1);
      if (walked !== DROP) out[truncateString(key, 256)] = walked;
    }
    if (keys.length > count) out["…"] = `[${keys.length - count} more keys]`;
    return out;
  } finally {
    walk.ancestors.delete(value);
  }
}

function walkValue(value: unknown, walk: Walk, depth: number): Walked {
  if (walk.nodesLeft <= 0) return "[Truncated]";
  walk.nodesLeft -= 1;
  switch (typeof value) {
    case "string":
      return truncateString(value, walk.maxString);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return DROP;
    case "object":
      if (value === null) return null;
      try {
        return walkObject(value, walk, depth);
      } catch {
        // A hostile object (throwing proxy trap or getter): keep the rest of the value.
        return "[Unserializable]";
      }
    default:
      return DROP;
  }
}

/**
 * A JSON-safe copy of `value` within `limits`. `undefined`, functions and symbols at the top level
 * become `null`. Never throws: a value that cannot be read at all becomes `"[Unserializable]"`.
 */
export function sanitize(value: unknown, limits: SanitizeLimits): JsonValue {
  const walk: Walk = {
    maxString: limits.maxStringLength,
    maxDepth: limits.maxDepth ?? 24,
    maxArray: limits.maxArrayLength ?? 1000,
    maxKeys: limits.maxObjectKeys ?? 500,
    nodesLeft: limits.maxNodes ?? 20_000,
    ancestors: new Set(),
  };
  try {
    const walked = walkValue(value, walk, 0);
    return walked === DROP ? null : walked;
  } catch {
    return "[Unserializable]";
  }
}

/** Like {@link sanitize}, but always an object: non-objects are wrapped as `{ value }`. */
export function sanitizeObject(value: unknown, limits: SanitizeLimits): JsonObject {
  const result = sanitize(value, limits);
  if (typeof result === "object" && result !== null && !Array.isArray(result)) return result;
  return result === null ? {} : { value: result };
}
