/**
 * Parses an HTTP `Retry-After` value into milliseconds from `nowMs`: either delay-seconds (`"2"`)
 * or an HTTP-date (`"Wed, 21 Oct 2026 07:28:00 GMT"`). Returns undefined when absent or unparseable;
 * a date in the past gives 0.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
