/** Backoff settings, in milliseconds. */
export interface BackoffSettings {
  readonly initialRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
}

/**
 * The wait before retry number `retry` (1 = the wait after the first failed attempt): exponential
 * backoff with full jitter, `random() * min(max, initial * 2^(retry-1))`, so that many clients
 * failing together do not come back together. `random` returns a number in [0, 1).
 */
export function backoffDelayMs(retry: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.maxRetryDelayMs, settings.initialRetryDelayMs * 2 ** Math.max(0, retry - 1));
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5;
  return Math.floor(unit * ceiling);
}
