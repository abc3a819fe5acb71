/**
 * The default `onError`: one `console.warn` line, then silence for `intervalMs` (the next line says
 * how many were suppressed), so a failing mask or a flood of evictions cannot flood the log.
 */
import type { LlmopsError } from "../errors.ts";

export function rateLimitedWarn(intervalMs: number, now: () => number = () => performance.now()): (error: LlmopsError) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error) => {
    const at = now();
    if (at - lastAt < intervalMs) {
      suppressed += 1;
      return;
    }
    const note = suppressed > 0 ? ` (${suppressed} more suppressed)` : "";
    lastAt = at;
    suppressed = 0;
    console.warn(`[langchain-llmops] ${error.code}: ${error.message}${note}`);
  };
}
