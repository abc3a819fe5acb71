import { LlmopsError } from "../errors.ts";
import type { RunType } from "./run-record.ts";

/** Why an open run was evicted: it outlived `runTtlMs`, or `maxOpenRuns` was reached. */
export type EvictionReason = "ttl" | "capacity";

/**
 * A run that never ended was evicted from memory (reported to `onError`; its record is produced
 * with status `error`). Its code is `ERR_LLMOPS_RUN_EVICTED`.
 */
export class RunEvictedError extends LlmopsError {
  readonly runId: string;
  readonly runType: RunType;
  readonly runName: string;
  readonly reason: EvictionReason;
  /** How long the run had been open, in milliseconds. */
  readonly openForMs: number;

  constructor(fields: { runId: string; runType: RunType; runName: string; reason: EvictionReason; openForMs: number }) {
    const why = fields.reason === "ttl" ? "still open after runTtlMs" : "evicted to stay within maxOpenRuns";
    super("ERR_LLMOPS_RUN_EVICTED", `${fields.runType} run ${fields.runName} (${fields.runId}) ${why} (${Math.round(fields.openForMs)} ms open)`);
    this.runId = fields.runId;
    this.runType = fields.runType;
    this.runName = fields.runName;
    this.reason = fields.reason;
    this.openForMs = fields.openForMs;
  }
}
