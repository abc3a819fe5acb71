import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunRecord } from "langchain-llmops";
import { RunTracker } from "../../src/core/run-tracker.ts";
import type { RunStartEvent, RunTrackerOptions } from "../../src/core/run-tracker.ts";
import { RunEvictedError } from "../../src/core/run-evicted-error.ts";

/** A tracker on a hand-driven clock, collecting records and evictions. */
function setup(overrides: Partial<RunTrackerOptions> = {}) {
  const clock = { t: 1_000, now: () => clock.t, timeOrigin: 1_700_000_000_000 };
  const records: RunRecord[] = [];
  const evictions: RunEvictedError[] = [];
  const tracker = new RunTracker({
    maxStringLength: 1000,
    maxOpenRuns: 100,
    runTtlMs: Number.POSITIVE_INFINITY,
    clock,
    onRecord: (record) => records.push(record),
    onEvict: (error) => evictions.push(error),
    ...overrides,
  });
  return { clock, records, evictions, tracker };
}

function chain(runId: string, parentRunId?: string, metadata: Record<string, unknown> = {}): RunStartEvent {
  return { runId, parentRunId, runType: "chain", name: `chain-${runId}`, tags: [], metadata, start: { kind: "chain", inputs: { q: runId } } };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("RunTracker", () => {
  it("measures start, end and duration on its clock, in epoch ms", () => {
    const { clock, records, tracker } = setup();
    tracker.start(chain("a"));
    clock.t += 12.5;
    tracker.end("a", { answer: 1 });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      runId: "a",
      startTime: 1_700_000_001_000,
      endTime: 1_700_000_001_012.5,
      durationMs: 12.5,
      payload: { kind: "chain", inputs: { q: "a" }, outputs: { answer: 1 } },
    });
  });

  it("anchors a trace's epoch times to the wall clock at its root's start (a monotonic clock that stood still, as in a frozen serverless instance, does not shift them)", () => {
    const { records, tracker } = setup({ clock: undefined });
    const wallAhead = Math.round(performance.timeOrigin + performance.now()) + 3_600_000;
    const now = vi.spyOn(Date, "now").mockReturnValue(wallAhead);
    tracker.start(chain("root"));
    now.mockReturnValue(wallAhead + 50_000); // the wall clock steps: the running trace keeps its anchor
    tracker.start(chain("child", "root"));
    tracker.event("child", "step", {});
    tracker.end("child", {});
    tracker.end("root", {});
    now.mockRestore();
    const [child, root] = records;
    expect(Math.abs(root!.startTime - wallAhead)).toBeLessThan(50);
    expect(child!.startTime).toBeGreaterThanOrEqual(root!.startTime);
    expect(child!.startTime - root!.startTime).toBeLessThan(50);
    expect(child!.events![0]!.time).toBeGreaterThanOrEqual(child!.startTime);
    expect(child!.events![0]!.time).toBeLessThanOrEqual(child!.endTime);
    expect(root!.endTime - root!.startTime).toBeCloseTo(root!.durationMs, 2);
  });

  it("links children to parents it saw, and assigns trace ids in the documented order", () => {
    const { records, tracker } = setup();
    tracker.start(chain("root"));
    tracker.start(chain("child", "root"));
    tracker.start(chain("grandchild", "child"));
    tracker.start(chain("orphan-1", "unseen-parent"));
    tracker.start(chain("orphan-2", "unseen-parent"));
    tracker.start(chain("tagged", "root", { trace_id: "user-trace" }));
    for (const id of ["grandchild", "child", "orphan-1", "orphan-2", "tagged", "root"]) tracker.end(id, {});
    const byId = Object.fromEntries(records.map((record) => [record.runId, record]));
    expect(byId.grandchild).toMatchObject({ parentRunId: "child", traceId: "root", rootRunId: "root", depth: 2 });
    expect(byId.child).toMatchObject({ parentRunId: "root", traceId: "root", depth: 1 });
    expect(byId.root!.parentRunId).toBeUndefined();
    // An unseen parent: a root here, its LangChain parent kept, siblings share the parent's id as trace.
    for (const id of ["orphan-1", "orphan-2"]) {
      expect(byId[id]!.parentRunId).toBeUndefined();
      expect(byId[id]).toMatchObject({ externalParentRunId: "unseen-parent", traceId: "unseen-parent", rootRunId: id, depth: 0 });
    }
    expect(byId.tagged).toMatchObject({ parentRunId: "root", traceId: "user-trace" });
  });

  it("prefers config.metadata's trace id over the traceId option, and the option over the parent's", () => {
    const { records, tracker } = setup({ traceId: "fixed" });
    tracker.start(chain("a"));
    tracker.start(chain("b", "a", { traceId: "from-metadata" }));
    tracker.end("b", {});
    tracker.end("a", {});
    expect(records.map((record) => [record.runId, record.traceId])).toEqual([
      ["b", "from-metadata"],
      ["a", "fixed"],
    ]);
  });

  it("keeps a metadata trace id of up to 128 characters as is, and bounds a longer one to 128 distinct, stable characters", () => {
    const { records, tracker } = setup();
    const exact = "t".repeat(128);
    const longA = `${"p".repeat(150)}-a`;
    const longB = `${"p".repeat(150)}-b`;
    tracker.start(chain("exact", undefined, { traceId: exact }));
    tracker.start(chain("a1", undefined, { traceId: longA }));
    tracker.start(chain("a2", undefined, { trace_id: longA }));
    tracker.start(chain("b", undefined, { traceId: longB }));
    for (const id of ["exact", "a1", "a2", "b"]) tracker.end(id, {});
    const traceOf = Object.fromEntries(records.map((record) => [record.runId, record.traceId]));
    expect(traceOf.exact).toBe(exact);
    expect(traceOf.a1).toHaveLength(128);
    expect(traceOf.a1).toMatch(/^p{111}~[0-9a-f]{16}$/);
    expect(traceOf.a2).toBe(traceOf.a1);
    expect(traceOf.b).toHaveLength(128);
    expect(traceOf.b).not.toBe(traceOf.a1);
  });

  it("ignores and counts duplicate starts, ends of unknown or finished runs, and events for closed runs", () => {
    const { records, tracker } = setup();
    expect(tracker.start(chain("a"))).toBe(true);
    expect(tracker.start(chain("a"))).toBe(false);
    tracker.end("never-started", {});
    tracker.end("a", { first: true });
    tracker.end("a", { second: true });
    tracker.fail("a", new Error("late"));
    tracker.token("a", "tok", undefined);
    tracker.event("a", "late-event", {});
    expect(records).toHaveLength(1);
    expect(records[0]!.payload).toMatchObject({ outputs: { first: true } });
    expect(tracker.stats()).toEqual({
      openRuns: 0,
      runsStarted: 1,
      recordsProduced: 1,
      duplicateStartsIgnored: 1,
      unknownEndsIgnored: 3,
      unknownEventsIgnored: 2,
      evicted: 0,
    });
  });

  it("keeps at most 1000 custom events per run and says how many more there were", () => {
    const { records, tracker } = setup();
    tracker.start(chain("chatty"));
    for (let i = 0; i < 1_500; i++) tracker.event("chatty", "progress", { i });
    tracker.end("chatty", {});
    const events = records[0]!.events!;
    expect(events).toHaveLength(1_001);
    expect(events[999]).toMatchObject({ name: "progress", data: { i: 999 } });
    expect(events[1_000]).toMatchObject({ name: "…", data: "[500 more events not recorded]" });
  });

  it("keeps nothing after a run ends, however many ran", () => {
    const { tracker } = setup();
    for (let i = 0; i < 5_000; i++) {
      tracker.start(chain(`r${i}`));
      tracker.token(`r${i}`, "x", undefined);
      tracker.end(`r${i}`, {});
    }
    expect(tracker.stats()).toMatchObject({ openRuns: 0, runsStarted: 5_000, recordsProduced: 5_000 });
  });

  it("evicts runs past runTtlMs lazily when another run starts: error record plus report", () => {
    const { clock, records, evictions, tracker } = setup({ runTtlMs: 1_000 });
    tracker.start(chain("stale"));
    clock.t += 400;
    tracker.start(chain("young"));
    clock.t += 700; // stale is 1100 ms old, young 700 ms
    tracker.start(chain("trigger"));
    expect(evictions.map((error) => [error.runId, error.reason])).toEqual([["stale", "ttl"]]);
    expect(evictions[0]).toBeInstanceOf(RunEvictedError);
    expect(evictions[0]).toMatchObject({ code: "ERR_LLMOPS_RUN_EVICTED", openForMs: 1_100 });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ runId: "stale", status: "error", durationMs: 1_100, error: { type: "RunEvictedError" } });
    expect(tracker.stats()).toMatchObject({ openRuns: 2, evicted: 1 });
    tracker.end("stale", {}); // the end arriving after eviction is ignored
    expect(tracker.stats().unknownEndsIgnored).toBe(1);
    tracker.dispose();
  });

  it("evicts runs that never end with its own unref'd timer, without further activity", () => {
    vi.useFakeTimers();
    const clock = { now: () => Date.now(), timeOrigin: 0 };
    const { evictions, records, tracker } = setup({ runTtlMs: 60_000, clock });
    tracker.start(chain("aborted-stream"));
    vi.advanceTimersByTime(30_000);
    tracker.start(chain("abandoned-tool"));
    vi.advanceTimersByTime(29_999);
    expect(evictions).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(evictions.map((error) => error.runId)).toEqual(["aborted-stream"]);
    vi.advanceTimersByTime(30_000);
    expect(evictions.map((error) => error.runId)).toEqual(["aborted-stream", "abandoned-tool"]);
    expect(records.map((record) => record.status)).toEqual(["error", "error"]);
    expect(tracker.stats()).toMatchObject({ openRuns: 0, evicted: 2 });
    expect(vi.getTimerCount()).toBe(0); // nothing left scheduled once nothing is open
  });

  it("evicts the oldest open run when maxOpenRuns is reached", () => {
    const { evictions, records, tracker } = setup({ maxOpenRuns: 2 });
    tracker.start(chain("a"));
    tracker.start(chain("b"));
    tracker.start(chain("c"));
    expect(evictions.map((error) => [error.runId, error.reason])).toEqual([["a", "capacity"]]);
    expect(records.map((record) => record.runId)).toEqual(["a"]);
    expect(tracker.stats()).toMatchObject({ openRuns: 2, evicted: 1 });
  });

  it("records time to first token at the first chunk with text or a tool-call delta, and counts all chunks", () => {
    const { clock, records, tracker } = setup();
    tracker.start({ runId: "m", parentRunId: undefined, runType: "chat_model", name: "M", tags: [], metadata: {}, start: { kind: "model", invocationParams: {}, info: {} } });
    clock.t += 10;
    tracker.token("m", "", { message: { tool_call_chunks: [] } }); // role-only opening chunk
    clock.t += 5;
    tracker.token("m", "", { message: { tool_call_chunks: [{ index: 0, name: "lookup", args: "" }] } });
    clock.t += 5;
    tracker.token("m", "late text", {});
    clock.t += 5;
    tracker.end("m", { generations: [[{ text: "late text" }]] });
    expect(records[0]!.payload).toMatchObject({ kind: "model", streamed: true, chunkCount: 3, timeToFirstTokenMs: 15 });
    expect(records[0]!.durationMs).toBe(25);
  });
});
