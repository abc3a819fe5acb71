import { ConfigError, type ExportError } from "../errors.ts";

/**
 * How the export pipeline queues, batches, sends and retries. Every option is optional; the
 * defaults suit a long-running server. Bad values throw a {@link ConfigError} at construction.
 *
 * @example
 * // The export options sit beside the handler's own options:
 * new PortkeyCallbackHandler({ flushIntervalMs: 500, maxAttempts: 3 });
 */
export interface ExportOptions {
  /** Most records held in the queue; beyond it new records are dropped and counted. @default 2048 */
  maxQueueSize?: number;
  /** Most estimated bytes held in the queue; beyond it new records are dropped and counted. @default 16777216 (16 MiB) */
  maxQueueBytes?: number;
  /** Most records in one request. @default 100 */
  maxBatchSize?: number;
  /**
   * Most estimated bytes in one request. A single record larger than this is truncated (largest
   * strings first, with a marker) so that it fits. It also bounds how long one batch's
   * `JSON.stringify` blocks the event loop (about 1–2 ms at 512 KiB). @default 524288 (512 KiB)
   */
  maxBatchBytes?: number;
  /** Milliseconds from the first queued record to the send of a partial batch. @default 1000 */
  flushIntervalMs?: number;
  /** Most requests in flight at once. @default 2 */
  maxConcurrentRequests?: number;
  /** Milliseconds one HTTP request may take (connect, headers and body). @default 10000 */
  requestTimeoutMs?: number;
  /** Most attempts for one batch (1 = no retry). @default 5 */
  maxAttempts?: number;
  /** Milliseconds after its first attempt when a batch stops being retried. @default 60000 */
  batchDeadlineMs?: number;
  /** Base of the exponential backoff (full jitter) between attempts, in milliseconds. @default 1000 */
  initialRetryDelayMs?: number;
  /** Cap of one backoff wait, in milliseconds (a server's `Retry-After` may ask for longer). @default 30000 */
  maxRetryDelayMs?: number;
  /** Milliseconds `shutdown()` waits for queued records to be sent before aborting. @default 10000 */
  shutdownTimeoutMs?: number;
  /** Compress request bodies with gzip (asynchronously, off the caller's path). @default false */
  gzip?: boolean;
  /**
   * Serverless mode: no interval timer; records are sent when a batch fills up or when `flush()` is
   * called (the handlers call it at the end of each root run; await `handler.flush()` before returning).
   * @default false
   */
  serverless?: boolean;
  /**
   * Flush on the process's `beforeExit` event (best effort: a retry wait does not keep the process
   * alive). No signal handler is ever installed. @default false
   */
  flushOnExit?: boolean;
  /** Called once per batch (or request) that definitively failed. @default a one-line warning through `logger` */
  onError?: (error: ExportError) => void;
  /** Where warnings go (drops, failures when no `onError` is given). @default console */
  logger?: { warn(message: string): void };
}

/** {@link ExportOptions} with every default applied. */
export interface ResolvedExportOptions {
  readonly maxQueueSize: number;
  readonly maxQueueBytes: number;
  readonly maxBatchSize: number;
  readonly maxBatchBytes: number;
  readonly flushIntervalMs: number;
  readonly maxConcurrentRequests: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  readonly batchDeadlineMs: number;
  readonly initialRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly shutdownTimeoutMs: number;
  readonly gzip: boolean;
  readonly serverless: boolean;
  readonly flushOnExit: boolean;
  readonly onError: ((error: ExportError) => void) | undefined;
  readonly logger: { warn(message: string): void };
}

/** The defaults of {@link ExportOptions}, in one place. */
export const EXPORT_DEFAULTS = {
  maxQueueSize: 2048,
  maxQueueBytes: 16 * 1024 * 1024,
  maxBatchSize: 100,
  maxBatchBytes: 512 * 1024,
  flushIntervalMs: 1000,
  maxConcurrentRequests: 2,
  requestTimeoutMs: 10_000,
  maxAttempts: 5,
  batchDeadlineMs: 60_000,
  initialRetryDelayMs: 1000,
  maxRetryDelayMs: 30_000,
  shutdownTimeoutMs: 10_000,
} as const;

/** Smallest `maxBatchBytes` accepted: a truncated record still needs room for its ids and markers. */
const MIN_BATCH_BYTES = 1024;

/** Validates `options` and applies the defaults once. Throws {@link ConfigError} naming the bad option. */
export function resolveExportOptions(options: ExportOptions = {}): ResolvedExportOptions {
  const resolved: ResolvedExportOptions = {
    maxQueueSize: integer("maxQueueSize", options.maxQueueSize ?? EXPORT_DEFAULTS.maxQueueSize, 1),
    maxQueueBytes: integer("maxQueueBytes", options.maxQueueBytes ?? EXPORT_DEFAULTS.maxQueueBytes, MIN_BATCH_BYTES),
    maxBatchSize: integer("maxBatchSize", options.maxBatchSize ?? EXPORT_DEFAULTS.maxBatchSize, 1),
    maxBatchBytes: integer("maxBatchBytes", options.maxBatchBytes ?? EXPORT_DEFAULTS.maxBatchBytes, MIN_BATCH_BYTES),
    flushIntervalMs: integer("flushIntervalMs", options.flushIntervalMs ?? EXPORT_DEFAULTS.flushIntervalMs, 1),
    maxConcurrentRequests: integer(
      "maxConcurrentRequests",
      options.maxConcurrentRequests ?? EXPORT_DEFAULTS.maxConcurrentRequests,
      1,
    ),
    requestTimeoutMs: integer("requestTimeoutMs", options.requestTimeoutMs ?? EXPORT_DEFAULTS.requestTimeoutMs, 1),
    maxAttempts: integer("maxAttempts", options.maxAttempts ?? EXPORT_DEFAULTS.maxAttempts, 1),
    batchDeadlineMs: integer("batchDeadlineMs", options.batchDeadlineMs ?? EXPORT_DEFAULTS.batchDeadlineMs, 1),
    initialRetryDelayMs: integer(
      "initialRetryDelayMs",
      options.initialRetryDelayMs ?? EXPORT_DEFAULTS.initialRetryDelayMs,
      0,
    ),
    maxRetryDelayMs: integer("maxRetryDelayMs", options.maxRetryDelayMs ?? EXPORT_DEFAULTS.maxRetryDelayMs, 0),
    shutdownTimeoutMs: integer("shutdownTimeoutMs", options.shutdownTimeoutMs ?? EXPORT_DEFAULTS.shutdownTimeoutMs, 0),
    gzip: boolean("gzip", options.gzip ?? false),
    serverless: boolean("serverless", options.serverless ?? false),
    flushOnExit: boolean("flushOnExit", options.flushOnExit ?? false),
    onError: optionalFunction("onError", options.onError),
    logger: logger(options.logger ?? console),
  };
  if (resolved.maxBatchSize > resolved.maxQueueSize) {
    throw new ConfigError(
      "maxBatchSize",
      `must not exceed maxQueueSize (${resolved.maxQueueSize}), got ${resolved.maxBatchSize}`,
    );
  }
  if (resolved.maxBatchBytes > resolved.maxQueueBytes) {
    throw new ConfigError(
      "maxBatchBytes",
      `must not exceed maxQueueBytes (${resolved.maxQueueBytes}), got ${resolved.maxBatchBytes}`,
    );
  }
  if (resolved.maxRetryDelayMs < resolved.initialRetryDelayMs) {
    throw new ConfigError(
      "maxRetryDelayMs",
      `must be at least initialRetryDelayMs (${resolved.initialRetryDelayMs}), got ${resolved.maxRetryDelayMs}`,
    );
  }
  return resolved;
}

/** Checks a whole number at least `min`; used by every numeric option in the export pipeline. */
export function integer(option: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(option, `must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

function boolean(option: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new ConfigError(option, `must be a boolean, got ${describe(value)}`);
  return value;
}

function optionalFunction<F>(option: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw new ConfigError(option, `must be a function, got ${describe(value)}`);
  }
  return value;
}

function logger(value: unknown): { warn(message: string): void } {
  if (typeof value !== "object" || value === null || typeof (value as { warn?: unknown }).warn !== "function") {
    throw new ConfigError("logger", `must be an object with a warn(message) method, got ${describe(value)}`);
  }
  return value as { warn(message: string): void };
}

/** A short, safe rendering of a bad option value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
