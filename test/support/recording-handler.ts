/**
 * A concrete TracingCallbackHandler for tests: collects every delivered record in `records`
 * and every reported error in `errors` (unless the test passes its own `onError`).
 */
import type { LlmopsError } from "../../src/errors.ts";
import type { RunRecord } from "../../src/core/run-record.ts";
import { TracingCallbackHandler } from "../../src/core/tracing-callback-handler.ts";
import type { TracingOptions } from "../../src/core/tracing-options.ts";

export class RecordingHandler extends TracingCallbackHandler {
  readonly records: RunRecord[] = [];
  readonly errors: LlmopsError[] = [];

  constructor(options: TracingOptions & { name?: string } = {}) {
    const errors: LlmopsError[] = [];
    super({ name: "recording", onError: (error) => errors.push(error), ...options });
    this.errors = errors;
  }

  protected handleRecord(record: RunRecord): void {
    this.records.push(record);
  }

  /** Stops the tracker's eviction timer (tests that leave runs open). */
  dispose(): void {
    this.disposeTracking();
  }

  /** Records of one run type, in end order. */
  ofType(runType: RunRecord["runType"]): RunRecord[] {
    return this.records.filter((record) => record.runType === runType);
  }

  /** The record of the run named `name` (throws when absent or ambiguous). */
  byName(name: string): RunRecord {
    const found = this.records.filter((record) => record.name === name);
    if (found.length !== 1) throw new Error(`expected one record named ${name}, found ${found.length}`);
    return found[0]!;
  }
}
