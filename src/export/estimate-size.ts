/** Deepest nesting walked; anything deeper is counted as a short value (sanitized records are shallow). */
const MAX_DEPTH = 64;
/** Most values visited in one estimate: a bound on the work done for any single record. */
const MAX_NODES = 200_000;

/**
 * Estimates the UTF-8 length of `JSON.stringify(value)` without building the string: a bounded,
 * iterative walk (no recursion, no allocation of the JSON). String escapes are not counted, so the
 * estimate can be slightly low for text full of quotes or control characters. Stops early once the
 * running total exceeds `stopAbove` (the caller only needs to know "too big").
 */
export function estimateJsonBytes(value: unknown, stopAbove: number = Number.POSITIVE_INFINITY): number {
  let total = 0;
  let visited = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop();
    if (frame === undefined) break;
    total += scalarBytes(frame.value);
    if (total > stopAbove || ++visited > MAX_NODES) return total;
    const current = frame.value;
    if (typeof current !== "object" || current === null || current instanceof Date) continue;
    if (frame.depth >= MAX_DEPTH) {
      total += 4;
      continue;
    }
    const depth = frame.depth + 1;
    if (Array.isArray(current)) {
      total += 2 + Math.max(0, current.length - 1);
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i] as unknown, depth });
      continue;
    }
    total += 2;
    let members = 0;
    for (const key of Object.keys(current)) {
      const member = (current as Record<string, unknown>)[key];
      if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
      total += Buffer.byteLength(key, "utf8") + 3 + (members > 0 ? 1 : 0);
      members++;
      stack.push({ value: member, depth });
    }
  }
  return total;
}

/** Bytes of a leaf; containers contribute only their punctuation, added by the walker. */
function scalarBytes(value: unknown): number {
  switch (typeof value) {
    case "string":
      return Buffer.byteLength(value, "utf8") + 2;
    case "number":
      return Number.isFinite(value) ? String(value).length : 4;
    case "boolean":
      return value ? 4 : 5;
    case "bigint":
      return 20;
    case "object":
      if (value === null) return 4;
      return value instanceof Date ? 26 : 0;
    default:
      return 4;
  }
}
