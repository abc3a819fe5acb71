/**
 * The package's error family. Every error has a stable `code`; export failures also carry what a
 * user needs to act (HTTP status, an excerpt of the response body). Export errors are never thrown
 * into the caller: they reach `onError` and the counters in `stats()`.
 */

/** Stable codes of {@link LlmopsError}. */
export type LlmopsErrorCode =
  | "ERR_LLMOPS_CONFIG"
  | "ERR_LLMOPS_VALIDATION"
  | "ERR_LLMOPS_HTTP"
  | "ERR_LLMOPS_NETWORK"
  | "ERR_LLMOPS_TIMEOUT"
  | "ERR_LLMOPS_SHUTDOWN"
  | "ERR_LLMOPS_CALLBACK"
  | "ERR_LLMOPS_RUN_EVICTED";

/** Base class of every error this package creates. */
export class LlmopsError extends Error {
  readonly code: LlmopsErrorCode;

  constructor(code: LlmopsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bad option at construction (names the option and the value). Thrown synchronously. */
export class ConfigError extends LlmopsError {
  /** The option that was wrong, e.g. `maxBatchSize`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super("ERR_LLMOPS_CONFIG", `${option}: ${message}`);
    this.option = option;
  }
}

/** A bad argument to a public helper (feedback value out of range, non-string metadata, …). */
export class ValidationError extends LlmopsError {
  /** The argument that was wrong, e.g. `value`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super("ERR_LLMOPS_VALIDATION", `${field}: ${message}`);
    this.field = field;
  }
}

/** Why an export (a batch or a single request) definitively failed or had to be retried. */
export class ExportError extends LlmopsError {
  /** HTTP status, when the backend answered. */
  readonly status?: number;
  /** Up to 1 KiB of the response body, when the backend answered. */
  readonly bodyExcerpt?: string;
  /** Number of records (or requests) affected. */
  readonly itemCount: number;
  /** Attempts made before giving up (1 for a first-try failure). */
  readonly attempts: number;
  /** The endpoint path that failed, e.g. `/v1/logs`. */
  readonly endpoint?: string;

  constructor(
    code: Extract<LlmopsErrorCode, "ERR_LLMOPS_HTTP" | "ERR_LLMOPS_NETWORK" | "ERR_LLMOPS_TIMEOUT" | "ERR_LLMOPS_SHUTDOWN">,
    message: string,
    fields: { status?: number; bodyExcerpt?: string; itemCount?: number; attempts?: number; endpoint?: string; cause?: unknown },
  ) {
    super(code, message, { cause: fields.cause });
    if (fields.status !== undefined) this.status = fields.status;
    if (fields.bodyExcerpt !== undefined) this.bodyExcerpt = fields.bodyExcerpt;
    if (fields.endpoint !== undefined) this.endpoint = fields.endpoint;
    this.itemCount = fields.itemCount ?? 0;
    this.attempts = fields.attempts ?? 1;
  }
}

/** A user-supplied callback (`pl_id_callback`, `mask`, …) threw or rejected; reported, never rethrown. */
export class CallbackError extends LlmopsError {
  /** Which callback failed, e.g. `pl_id_callback`. */
  readonly callback: string;

  constructor(callback: string, cause: unknown) {
    super("ERR_LLMOPS_CALLBACK", `${callback} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.callback = callback;
  }
}
