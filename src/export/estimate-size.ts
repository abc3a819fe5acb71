/** Deepest nesting walked; anything deeper is counted as a short value (sanitized records are shallow). */
const MAX_DEPTH = 64;
/** Most values visited in one estimate: a bound on the work done for any single record. */
const MAX_NODES = 200_000;

/**
 * Estimates the UTF-8 length of `JSON.stringify(value)` without building the string: a walk bounded
 * in depth (64) and in values visited (200,000), so cycles and pathological inputs cost little.
 * String escapes are not counted, so the estimate is low for text full of quotes, backslashes,
 * newlines or control characters (see {@link jsonBytes}). Stops early once the running total
 * exceeds `stopAbove`.
 */
export function estimateJsonBytes(value: unknown, stopAbove: number = Number.POSITIVE_INFINITY): number {
  const budget = { nodes: MAX_NODES, stopAbove, escapes: false };
  return walk(value, 0, budget);
}

/**
 * Like {@link estimateJsonBytes}, but counting the escapes `JSON.stringify` writes (`\"`, `\\`,
 * `\n`, `\u0001`, …): exact for sanitized records. Slower (it reads every character of text that
 * has escapes), so it is used only to check a truncated record, never per enqueue.
 */
export function jsonBytes(value: unknown): number {
  return walk(value, 0, { nodes: MAX_NODES, stopAbove: Number.POSITIVE_INFINITY, escapes: true });
}

interface Budget {
  nodes: number;
  readonly stopAbove: number;
  /** Count JSON escapes in strings. */
  readonly escapes: boolean;
}

/** Recursion is bounded by MAX_DEPTH, so it cannot overflow the stack; it is faster than a manual stack. */
function walk(value: unknown, depth: number, budget: Budget): number {
  if (--budget.nodes < 0) return 0;
  switch (typeof value) {
    case "string":
      return stringBytes(value, budget.escapes) + 2;
    case "number":
      return Number.isFinite(value) ? String(value).length : 4;
    case "boolean":
      return value ? 4 : 5;
    case "bigint":
      return 20;
    case "object":
      break;
    default:
      return 4;
  }
  if (value === null) return 4;
  if (value instanceof Date) return 26;
  if (depth >= MAX_DEPTH) return 4;
  let total = 2;
  if (Array.isArray(value)) {
    const length = value.length;
    if (length > 1) total += length - 1;
    for (let i = 0; i < length; i++) {
      total += walk(value[i] as unknown, depth + 1, budget);
      if (total > budget.stopAbove) return total;
    }
    return total;
  }
  let members = 0;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const member = record[key];
    if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
    total += stringBytes(key, budget.escapes) + (members === 0 ? 3 : 4) + walk(member, depth + 1, budget);
    members++;
    if (total > budget.stopAbove) return total;
  }
  return total;
}

/** UTF-8 length. `Buffer.byteLength` is a native SIMD count, about 4x faster than a regex scan for non-ASCII. */
function stringBytes(value: string, escapes: boolean): number {
  const bytes = Buffer.byteLength(value, "utf8");
  return escapes ? bytes + escapeBytes(value) : bytes;
}

/** What `JSON.stringify` escapes: `"`, `\` and U+0000 to U+001F (built from char codes: no control characters in a regex literal). */
const ESCAPED = new RegExp(`["\\\\${String.fromCharCode(0)}-${String.fromCharCode(0x1f)}]`);

/** Bytes the escapes of `value` add to its UTF-8 length: 1 for `\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`; 5 for `\u00XX`. */
function escapeBytes(value: string): number {
  if (!ESCAPED.test(value)) return 0;
  let extra = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) extra += 1;
    else if (code < 0x20) extra += code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 1 : 5;
  }
  return extra;
}
