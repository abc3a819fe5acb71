/**
 * The run tracker: receives run events (already mapped from LangChain's callback arguments), keeps
 * state for open runs only, and hands a finished, frozen {@link RunRecord} to `onRecord` when a run
 * ends, fails or is evicted. Synchronous, never throws, bounded in memory.
 *
 * ## Trace ids
 * Every run gets a `traceId`, chosen in this order:
 * 1. a non-empty string `traceId` or `trace_id` in the run's `config.metadata` (inherited by children);
 * 2. the handler's fixed `traceId` option;
 * 3. the trace id of its parent run, when this tracker saw that parent start (and it is still open);
 * 4. when LangChain names a parent this tracker never saw (the handler was given to a model's
 *    constructor, or attached below the root): that parent's id. Such a run is a root here
 *    (`parentRunId` undefined, `externalParentRunId` set), and its siblings under the same unseen
 *    parent share the trace;
 * 5. otherwise the run is a true root: its own run id.
 *
 * ## Time
 * Durations use the monotonic clock (`performance.now()`); `startTime`/`endTime` are epoch ms
 * derived from it through an anchor taken from the wall clock (`Date.now() - performance.now()`)
 * when a trace's root run starts, and shared by its runs (OpenTelemetry's anchored clock). A fixed
 * `performance.timeOrigin` would drift from the wall clock in a long-lived process, and lag it by
 * hours in a serverless instance that was frozen between invocations.
 *
 * Time to first token is measured to the first streamed chunk that carries text or a tool-call
 * delta: the opening role-only chunk and the closing usage-only chunk (both `""`) do not count,
 * since no output has arrived yet.
 */
import { createHash } from "node:crypto";
import type { RunRecord, RunType } from "./run-record.ts";
import type { OpenRun, RunEnd, RunStart } from "./open-run.ts";
import { MAX_EVENTS_PER_RUN } from "./open-run.ts";
import { buildRecord } from "./build-record.ts";
import { readField } from "./read-field.ts";
import { RunEvictedError } from "./run-evicted-error.ts";
import type { EvictionReason } from "./run-evicted-error.ts";
import type { SanitizeLimits } from "./sanitize.ts";

/** Counters of a tracker. */
export interface TrackerStats {
  /** Runs started and not yet ended (what is held in memory). */
  readonly openRuns: number;
  readonly runsStarted: number;
  /** Records built (ended, failed and evicted runs), before hide/mask. */
  readonly recordsProduced: number;
  /** A start for a run id already open (nested graphs can deliver an event twice). */
  readonly duplicateStartsIgnored: number;
  /** An end or error for a run that is unknown or already finished. */
  readonly unknownEndsIgnored: number;
  /** A token, custom event or agent step for a run that is not open. */
  readonly unknownEventsIgnored: number;
  /** Runs evicted before they ended (`runTtlMs` or `maxOpenRuns`). */
  readonly evicted: number;
}

/** A monotonic clock in milliseconds and the epoch time of its zero (read when a root run starts). */
export interface TrackerClock {
  now(): number;
  readonly timeOrigin: number;
}

export interface RunTrackerOptions {
  /** See `TracingOptions.traceId`. */
  readonly traceId?: string | undefined;
  readonly maxStringLength: number;
  readonly maxOpenRuns: number;
  readonly runTtlMs: number;
  /** Receives every finished record. Must not throw (the tracker catches and drops if it does). */
  readonly onRecord: (record: RunRecord) => void;
  /** Receives every eviction, after its record went to `onRecord`. */
  readonly onEvict: (error: RunEvictedError) => void;
  /** @default `performance` */
  readonly clock?: TrackerClock;
}

/** What a run start carries, mapped from the callback arguments. */
export interface RunStartEvent {
  readonly runId: unknown;
  readonly parentRunId: unknown;
  readonly runType: RunType;
  readonly name: string;
  readonly tags: unknown;
  readonly metadata: unknown;
  readonly start: RunStart;
}

const TIMER_MAX_MS = 2_147_483_647;

/** `performance`, looked up at each call (test clocks replace the global), anchored to the wall clock. */
const PERFORMANCE_CLOCK: TrackerClock = {
  now: () => performance.now(),
  get timeOrigin() {
    return Date.now() - performance.now();
  },
};

/**
 * Longest trace id kept as given. Backends cap what they store (Portkey: metadata values of at most
 * 128 characters), and a trace id cut differently in two places would split or merge traces.
 */
export const MAX_TRACE_ID_LENGTH = 128;

/**
 * A user trace id longer than {@link MAX_TRACE_ID_LENGTH}: its first 111 characters, `~`, and 16 hex
 * digits of its SHA-256, so two long ids with a common prefix stay distinct and one id always maps
 * to the same value. Rare (ids are normally UUIDs), so the hash stays off the common path.
 */
export function boundTraceId(traceId: string): string {
  if (traceId.length <= MAX_TRACE_ID_LENGTH) return traceId;
  const digest = createHash("sha256").update(traceId).digest("hex").slice(0, 16);
  return `${traceId.slice(0, MAX_TRACE_ID_LENGTH - 17)}~${digest}`;
}

function userTraceId(metadata: unknown): string | undefined {
  for (const key of ["traceId", "trace_id"]) {
    const value = readField(metadata, key);
    if (typeof value === "string" && value.trim() !== "") return boundTraceId(value);
  }
  return undefined;
}

function hasOutput(token: unknown, chunk: unknown): boolean {
  if (typeof token === "string" && token !== "") return true;
  const toolCallChunks = readField(readField(chunk, "message"), "tool_call_chunks");
  return Array.isArray(toolCallChunks) && toolCallChunks.length > 0;
}

export class RunTracker {
  readonly #options: RunTrackerOptions;
  readonly #clock: TrackerClock;
  readonly #limits: SanitizeLimits;
  /** Open runs in start order (Map keeps insertion order): the first entry is the oldest. */
  readonly #open = new Map<string, OpenRun>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #runsStarted = 0;
  #recordsProduced = 0;
  #duplicateStartsIgnored = 0;
  #unknownEndsIgnored = 0;
  #unknownEventsIgnored = 0;
  #evicted = 0;

  constructor(options: RunTrackerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? PERFORMANCE_CLOCK;
    this.#limits = { maxStringLength: options.maxStringLength };
  }

  /** Opens a run. Returns false (and counts) for a duplicate start or an unusable run id. */
  start(event: RunStartEvent): boolean {
    const runId = event.runId;
    if (typeof runId !== "string" || runId === "") {
      this.#unknownEventsIgnored += 1;
      return false;
    }
    if (this.#open.has(runId)) {
      this.#duplicateStartsIgnored += 1;
      return false;
    }
    const now = this.#clock.now();
    this.#evictExpired(now);
    if (this.#open.size >= this.#options.maxOpenRuns) {
      const oldest = this.#open.values().next().value;
      if (oldest) this.#evict(oldest, "capacity", now);
    }

    const langchainParent = typeof event.parentRunId === "string" && event.parentRunId !== "" ? event.parentRunId : undefined;
    const parent = langchainParent === undefined ? undefined : this.#open.get(langchainParent);
    const externalParentRunId = parent === undefined ? langchainParent : undefined;
    const traceId =
      userTraceId(event.metadata) ?? this.#options.traceId ?? parent?.traceId ?? externalParentRunId ?? runId;
    const epochOffset = parent?.epochOffset ?? this.#clock.timeOrigin;

    this.#open.set(runId, {
      runId,
      parentRunId: parent?.runId,
      externalParentRunId,
      traceId,
      rootRunId: parent?.rootRunId ?? runId,
      depth: parent === undefined ? 0 : parent.depth + 1,
      runType: event.runType,
      name: event.name,
      epochOffset,
      startTime: epochOffset + now,
      startMono: now,
      tags: event.tags,
      metadata: event.metadata,
      start: event.start,
      chunkCount: 0,
      firstTokenMono: undefined,
      events: undefined,
      eventsDropped: 0,
      agentActions: undefined,
      agentFinish: undefined,
    });
    this.#runsStarted += 1;
    this.#armTimer(now);
    return true;
  }

  /** A streamed chunk: counted; the first one with output sets the time to first token. Never stored. */
  token(runId: unknown, token: unknown, chunk: unknown): void {
    const run = this.#get(runId);
    if (!run) return;
    run.chunkCount += 1;
    if (run.firstTokenMono === undefined && hasOutput(token, chunk)) run.firstTokenMono = this.#clock.now();
  }

  /** A custom event, recorded on the run it names (the first {@link MAX_EVENTS_PER_RUN}; the rest are counted). */
  event(runId: unknown, name: unknown, data: unknown): void {
    const run = this.#get(runId);
    if (!run) return;
    const events = (run.events ??= []);
    if (events.length >= MAX_EVENTS_PER_RUN) {
      run.eventsDropped += 1;
      return;
    }
    events.push({ name: typeof name === "string" ? name.slice(0, 256) : "", data, time: run.epochOffset + this.#clock.now() });
  }

  /** A legacy `AgentExecutor` action, recorded on its chain run. */
  agentAction(runId: unknown, action: unknown): void {
    const run = this.#get(runId);
    if (!run) return;
    (run.agentActions ??= []).push({ name: "agent_action", data: action, time: run.epochOffset + this.#clock.now() });
  }

  /** A legacy `AgentExecutor` finish, recorded on its chain run. */
  agentFinish(runId: unknown, finish: unknown): void {
    const run = this.#get(runId);
    if (!run) return;
    run.agentFinish = finish;
  }

  /** Ends a run successfully. `inputs` replaces the start inputs of a chain when given. */
  end(runId: unknown, output: unknown, inputs?: unknown): void {
    const now = this.#clock.now();
    this.#finish(runId, { status: "success", endMono: now, output, inputs });
  }

  /** Ends a run with an error. */
  fail(runId: unknown, error: unknown, inputs?: unknown): void {
    const now = this.#clock.now();
    this.#finish(runId, { status: "error", endMono: now, error, inputs });
  }

  /** Evicts runs older than `runTtlMs` now; returns how many. Called lazily on starts and by the timer. */
  sweep(): number {
    return this.#evictExpired(this.#clock.now());
  }

  stats(): TrackerStats {
    return {
      openRuns: this.#open.size,
      runsStarted: this.#runsStarted,
      recordsProduced: this.#recordsProduced,
      duplicateStartsIgnored: this.#duplicateStartsIgnored,
      unknownEndsIgnored: this.#unknownEndsIgnored,
      unknownEventsIgnored: this.#unknownEventsIgnored,
      evicted: this.#evicted,
    };
  }

  /** Stops the eviction timer. Open runs are kept (they may still end). */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #get(runId: unknown): OpenRun | undefined {
    const run = typeof runId === "string" ? this.#open.get(runId) : undefined;
    if (!run) this.#unknownEventsIgnored += 1;
    return run;
  }

  #finish(runId: unknown, end: RunEnd): void {
    const run = typeof runId === "string" ? this.#open.get(runId) : undefined;
    if (!run) {
      this.#unknownEndsIgnored += 1;
      return;
    }
    this.#open.delete(run.runId);
    if (this.#open.size === 0) this.dispose();
    this.#emit(run, end);
  }

  #emit(run: OpenRun, end: RunEnd): void {
    this.#recordsProduced += 1;
    try {
      this.#options.onRecord(buildRecord(run, end, this.#limits));
    } catch {
      // onRecord is the handler's and does not throw; a failure here must still not reach the chain.
    }
  }

  #evict(run: OpenRun, reason: EvictionReason, now: number): void {
    this.#open.delete(run.runId);
    this.#evicted += 1;
    const error = new RunEvictedError({
      runId: run.runId,
      runType: run.runType,
      runName: run.name,
      reason,
      openForMs: now - run.startMono,
    });
    this.#emit(run, { status: "error", endMono: now, error });
    try {
      this.#options.onEvict(error);
    } catch {
      // Reporting must not break tracking.
    }
  }

  #evictExpired(now: number): number {
    const ttl = this.#options.runTtlMs;
    if (!Number.isFinite(ttl)) return 0;
    let count = 0;
    // Runs are in start order and share one TTL: stop at the first one still young.
    for (const run of this.#open.values()) {
      if (now - run.startMono < ttl) break;
      this.#evict(run, "ttl", now);
      count += 1;
    }
    if (this.#open.size === 0) this.dispose();
    return count;
  }

  #armTimer(now: number): void {
    const ttl = this.#options.runTtlMs;
    if (this.#timer !== undefined || !Number.isFinite(ttl)) return;
    const oldest = this.#open.values().next().value;
    if (!oldest) return;
    const delay = Math.min(TIMER_MAX_MS, Math.max(1, oldest.startMono + ttl - now));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#evictExpired(this.#clock.now());
      this.#armTimer(this.#clock.now());
    }, delay);
    this.#timer.unref?.();
  }
}
