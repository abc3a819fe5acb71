/**
 * Options of every tracing handler (the run-tracking core), validated once at construction.
 */
import { ConfigError } from "../errors.ts";
import type { LlmopsError } from "../errors.ts";
import type { RunRecord } from "./run-record.ts";
import { rateLimitedWarn } from "./rate-limited-warn.ts";
import { MAX_TRACE_ID_LENGTH } from "./run-tracker.ts";

/** Decides per record whether its inputs (or outputs) are replaced by a `"[hidden]"` marker. */
export type HidePredicate = (record: RunRecord) => boolean;

/** Options of the run-tracking core, shared by every vendor handler. */
export interface TracingOptions {
  /**
   * A fixed trace id for every run this handler sees. Useful when the handler is given to a model's
   * constructor (each call is then its own root) and you want those calls in one trace. A
   * `traceId` / `trace_id` string in a run's `config.metadata` still wins (one longer than 128
   * characters is kept as its first 111 characters, `~` and 16 hex digits of its SHA-256).
   * At most 128 characters.
   * @default undefined (the root run's id)
   */
  traceId?: string;
  /**
   * Longest string kept in a record (message contents, inputs, outputs, metadata values); longer
   * strings are cut and end with a visible `…[truncated N chars]` marker.
   * @default 32768
   */
  maxStringLength?: number;
  /**
   * Most unfinished runs kept in memory. When a new run would exceed it, the oldest open run is
   * evicted: it is reported to `onError`, counted, and recorded with status `error`.
   * @default 10000
   */
  maxOpenRuns?: number;
  /**
   * A run still open this long after its start (an abandoned stream, a crashed tool) is evicted:
   * reported to `onError`, counted, and recorded with status `error`. Checked when runs start and by
   * an `unref()`'d timer. `Infinity` disables it.
   * @default 1800000 (30 minutes)
   */
  runTtlMs?: number;
  /**
   * Replace run inputs (model input messages and prompts, chain inputs, tool input, retriever query)
   * by `"[hidden]"`, for every record (`true`) or the records a function picks.
   * @default false
   */
  hideInputs?: boolean | HidePredicate;
  /**
   * Replace run outputs (model output messages, chain outputs, tool output, retrieved documents)
   * by `"[hidden]"`, for every record (`true`) or the records a function picks.
   * @default false
   */
  hideOutputs?: boolean | HidePredicate;
  /**
   * Last look at every record before it is exported: return it (or a changed copy) to keep it,
   * `undefined` to drop it. A mask that throws drops the record and reports a `CallbackError`.
   * @default undefined (records pass unchanged)
   */
  mask?: (record: RunRecord) => RunRecord | undefined;
  /**
   * Receives what goes wrong inside the handler without ever reaching your chain: evicted runs
   * (`RunEvictedError`), a failing `mask` or internal error (`CallbackError`).
   * @default a one-line `console.warn`, at most one per minute
   */
  onError?: (error: LlmopsError) => void;
}

/** Options after validation and defaults. */
export interface ResolvedTracingOptions {
  readonly traceId: string | undefined;
  readonly maxStringLength: number;
  readonly maxOpenRuns: number;
  readonly runTtlMs: number;
  readonly hideInputs: boolean | HidePredicate;
  readonly hideOutputs: boolean | HidePredicate;
  readonly mask: ((record: RunRecord) => RunRecord | undefined) | undefined;
  readonly onError: (error: LlmopsError) => void;
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

function integerAtLeast(option: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ConfigError(option, `must be an integer >= ${min}, got ${show(value)}`);
  }
  return value;
}

function hideOption(option: string, value: unknown): boolean | HidePredicate | undefined {
  if (value === undefined || typeof value === "boolean") return value;
  if (typeof value === "function") return value as HidePredicate;
  throw new ConfigError(option, `must be a boolean or a function, got ${show(value)}`);
}

function functionOption<T>(option: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") throw new ConfigError(option, `must be a function, got ${show(value)}`);
  return value as T;
}

/** Validates `options` (throws {@link ConfigError} naming the option and the bad value) and applies defaults. */
export function resolveTracingOptions(options: TracingOptions = {}): ResolvedTracingOptions {
  const traceId: unknown = options.traceId;
  if (traceId !== undefined && (typeof traceId !== "string" || traceId.trim() === "" || traceId.length > MAX_TRACE_ID_LENGTH)) {
    throw new ConfigError("traceId", `must be a non-empty string of at most ${MAX_TRACE_ID_LENGTH} characters, got ${show(traceId)}`);
  }
  const runTtlMs: unknown = options.runTtlMs;
  if (runTtlMs !== undefined && (typeof runTtlMs !== "number" || Number.isNaN(runTtlMs) || runTtlMs <= 0)) {
    throw new ConfigError("runTtlMs", `must be a number > 0 (Infinity disables eviction by age), got ${show(runTtlMs)}`);
  }
  return {
    traceId: traceId,
    maxStringLength: integerAtLeast("maxStringLength", options.maxStringLength, 16) ?? 32_768,
    maxOpenRuns: integerAtLeast("maxOpenRuns", options.maxOpenRuns, 1) ?? 10_000,
    runTtlMs: runTtlMs ?? 30 * 60_000,
    hideInputs: hideOption("hideInputs", options.hideInputs) ?? false,
    hideOutputs: hideOption("hideOutputs", options.hideOutputs) ?? false,
    mask: functionOption<(record: RunRecord) => RunRecord | undefined>("mask", options.mask),
    onError: functionOption<(error: LlmopsError) => void>("onError", options.onError) ?? rateLimitedWarn(60_000),
  };
}
