/**
 * The default `onError`: one warning line, then silence for `intervalMs` (the next line says how
 * many were suppressed), so a failing mask, a flood of evictions or a backend that is down cannot
 * flood the log. The counters in `stats()` keep the exact numbers.
 */
import type { LlmopsError } from "../errors.ts";

export function rateLimitedWarn(
  intervalMs: number,
  logger: { warn(message: string): void } = console,
  now: () => number = () => performance.now(),
): (error: LlmopsError) => void {
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
    logger.warn(`[langchain-llmops] ${error.code}: ${error.message}${note}`);
  };
}
