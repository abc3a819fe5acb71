import { estimateJsonBytes, jsonBytes } from "./estimate-size.ts";

/** Appended to a shortened string; says how much was cut so nobody mistakes it for the full text. */
export function truncationMarker(removedChars: number, originalChars: number): string {
  return `…[truncated by langchain-llmops: ${removedChars} of ${originalChars} chars removed]`;
}

/** Replaces a whole object or array when shortening strings was not enough. */
export function containerMarker(bytes: number): string {
  return `[truncated by langchain-llmops: ${bytes} bytes removed]`;
}

/** Replaces a run of array elements removed from the end of an array. */
export function arrayMarker(removedItems: number): string {
  return `[truncated by langchain-llmops: ${removedItems} items removed]`;
}

/** Most container cuts before giving up (each cut re-measures the record). */
const MAX_CONTAINER_CUTS = 64;
/** Strings this short are never shortened: the marker would not save anything, and ids stay intact. */
const MIN_SHORTENED_CHARS = 128;
/** Room for the marker that replaces what is cut. */
const MARKER_ALLOWANCE = 64;

type Container = Record<string, unknown> | unknown[];
interface StringLeaf {
  readonly holder: Container;
  readonly key: string | number;
  readonly length: number;
}

/**
 * Returns a copy of `item` that fits in `maxBytes` (as measured by `sizeOf`), or `item` itself when
 * it already fits. Strings are shortened first, largest first, each with a {@link truncationMarker};
 * if the record is still too big (huge arrays of numbers, thousands of small strings), the tail of
 * the largest array is cut ({@link arrayMarker}) or the smallest nested object that removes enough
 * is replaced by a {@link containerMarker}. Top-level scalars
 * (ids, names, timestamps) are kept, so the truncated record still says which run it was. Never throws
 * for plain JSON input; a record that cannot be made to fit is returned as small as it got.
 *
 * `sizeOf` may not count JSON's escapes (the default does not): text full of quotes or newlines
 * takes up to twice its length on the wire, control characters six times. So the result is checked
 * with {@link jsonBytes}, and shortened again towards a target scaled by how far off it was.
 */
export function truncateToFit<T>(item: T, maxBytes: number, sizeOf: (value: T) => number = estimateJsonBytes): T {
  let target = maxBytes;
  let result = shrink(item, target, sizeOf);
  for (let round = 0; round < MAX_RESHRINKS; round++) {
    const exact = jsonBytes(result);
    if (exact <= maxBytes) return result;
    target = Math.floor(target * (maxBytes / exact) * 0.98);
    if (target < 1) break;
    result = shrink(item, target, sizeOf);
  }
  return result;
}

/** Most extra rounds when the escapes made the first result too big (each round re-measures). */
const MAX_RESHRINKS = 4;

/** {@link truncateToFit} against `sizeOf` alone. */
function shrink<T>(item: T, maxBytes: number, sizeOf: (value: T) => number): T {
  let size = sizeOf(item);
  if (size <= maxBytes) return item;
  if (typeof item === "string") return shortenString(item, Math.max(0, item.length - (size - maxBytes) * 2)) as T;

  const root = clonePlain(item);
  const leaves = collectStringLeaves(root)
    .filter((leaf) => leaf.length > MIN_SHORTENED_CHARS)
    .sort((a, b) => b.length - a.length);
  for (const leaf of leaves) {
    if (size <= maxBytes) {
      size = sizeOf(root as T);
      if (size <= maxBytes) return root as T;
    }
    const original = (leaf.holder as Record<string | number, unknown>)[leaf.key] as string;
    const bytes = Buffer.byteLength(original, "utf8");
    const marker = truncationMarker(original.length, original.length);
    const targetBytes = Math.max(0, bytes - (size - maxBytes) - Buffer.byteLength(marker, "utf8"));
    const keepChars = Math.floor((original.length * targetBytes) / Math.max(bytes, 1));
    if (keepChars >= original.length) continue;
    const shortened = shortenString(original, keepChars);
    (leaf.holder as Record<string | number, unknown>)[leaf.key] = shortened;
    size -= bytes - Buffer.byteLength(shortened, "utf8");
  }
  size = sizeOf(root as T);

  for (let i = 0; size > maxBytes && i < MAX_CONTAINER_CUTS; i++) {
    if (!cutContainer(root, size - maxBytes + MARKER_ALLOWANCE)) break;
    size = sizeOf(root as T);
  }
  return root as T;
}

/** Keeps the first `keepChars` characters (never splitting a surrogate pair) and appends the marker. */
function shortenString(value: string, keepChars: number): string {
  let keep = Math.max(0, Math.min(keepChars, value.length));
  const last = value.charCodeAt(keep - 1);
  if (keep > 0 && last >= 0xd800 && last <= 0xdbff) keep--;
  return value.slice(0, keep) + truncationMarker(value.length - keep, value.length);
}

/** A deep copy of plain JSON-like data (objects, arrays, scalars); dates become ISO strings. */
function clonePlain(value: unknown, depth = 0): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth > 64) return null;
  if (Array.isArray(value)) return value.map((entry: unknown) => clonePlain(entry, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) copy[key] = clonePlain(member, depth + 1);
  return copy;
}

function collectStringLeaves(root: unknown): StringLeaf[] {
  const leaves: StringLeaf[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current !== "object" || current === null) continue;
    for (const [key, member] of entriesOf(current as Container)) {
      if (typeof member === "string") leaves.push({ holder: current as Container, key, length: member.length });
      else if (typeof member === "object" && member !== null) stack.push(member);
    }
  }
  return leaves;
}

/**
 * Removes at least `excess` bytes by cutting as little structure as possible: follows the largest
 * nested object or array down while it alone is bigger than `excess`, then replaces that container by
 * a marker, or trims the tail of that array. Returns false when nothing is left to cut.
 */
function cutContainer(root: unknown, excess: number): boolean {
  if (typeof root !== "object" || root === null) return false;
  let node = root as Container;
  let parent: { holder: Container; key: string | number } | undefined;
  for (;;) {
    let largest: { key: string | number; value: Container; bytes: number } | undefined;
    for (const [key, member] of entriesOf(node)) {
      if (typeof member !== "object" || member === null) continue;
      const bytes = estimateJsonBytes(member);
      if (largest === undefined || bytes > largest.bytes) largest = { key, value: member as Container, bytes };
    }
    if (largest !== undefined && largest.bytes >= excess) {
      parent = { holder: node, key: largest.key };
      node = largest.value;
      continue;
    }
    if (Array.isArray(node) && node.length > 0) {
      let removed = 0;
      let count = 0;
      while (node.length > 0 && removed < excess) {
        removed += estimateJsonBytes(node.pop()) + 1;
        count++;
      }
      node.push(arrayMarker(count));
      return true;
    }
    if (parent !== undefined) {
      (parent.holder as Record<string | number, unknown>)[parent.key] = containerMarker(estimateJsonBytes(node));
      return true;
    }
    if (largest === undefined) return false;
    (node as Record<string | number, unknown>)[largest.key] = containerMarker(largest.bytes);
    return true;
  }
}

function entriesOf(node: Container): Array<[string | number, unknown]> {
  return Array.isArray(node) ? node.map((entry: unknown, index) => [index, entry]) : Object.entries(node);
}
