import "./fail-on-unhandled.ts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ExportError } from "../../src/errors.ts";
import { BatchExporter } from "../../src/export/batch-exporter.ts";
import type { BatchSender, SendContext, SendOutcome } from "../../src/export/batch-sender.ts";
import type { ExportOptions } from "../../src/export/export-options.ts";

interface Rec {
  id: number;
  text?: string;
}

interface Call {
  readonly ids: number[];
  readonly batch: readonly Rec[];
  readonly key: string;
  readonly attempt: number;
  readonly at: number;
  readonly signal: AbortSignal;
}

type Script = (call: Call, index: number) => SendOutcome | Promise<SendOutcome>;

const ok: Script = () => ({ status: "success", bytes: 10 });
const http = (status: number): ExportError => new ExportError("ERR_LLMOPS_HTTP", `answered ${status}`, { status, endpoint: "/t" });
const retryable = (retryAfterMs?: number): SendOutcome =>
  retryAfterMs === undefined ? { status: "retryable", error: http(503) } : { status: "retryable", error: http(429), retryAfterMs };

/** An in-memory sender following a script; records every call. */
function scriptedSender(script: Script = ok): BatchSender<Rec> & { calls: Call[]; closed: number; close(): Promise<void> } {
  const calls: Call[] = [];
  const sender = {
    calls,
    closed: 0,
    send(batch: readonly Rec[], context: SendContext): Promise<SendOutcome> {
      const call: Call = {
        ids: batch.map((r) => r.id),
        batch,
        key: context.idempotencyKey,
        attempt: context.attempt,
        at: Date.now(),
        signal: context.signal,
      };
      calls.push(call);
      return Promise.resolve(script(call, calls.length - 1));
    },
    close(): Promise<void> {
      sender.closed++;
      return Promise.resolve();
    },
  };
  return sender;
}

/** A deferred outcome the test settles by hand. */
function gate(): { promise: Promise<SendOutcome>; open(outcome?: SendOutcome): void } {
  let open!: (outcome: SendOutcome) => void;
  const promise = new Promise<SendOutcome>((resolve) => {
    open = resolve;
  });
  return { promise, open: (outcome = { status: "success", bytes: 1 }) => open(outcome) };
}

const quietLogger = (): { warn: (message: string) => void; messages: () => string[] } => {
  const warn = vi.fn<(message: string) => void>();
  return { warn, messages: () => warn.mock.calls.map((c) => String(c[0])) };
};

function exporterWith(sender: BatchSender<Rec>, options: ExportOptions = {}): BatchExporter<Rec> {
  return new BatchExporter(sender, { logger: quietLogger(), ...options }, { name: "test", random: () => 0.5 });
}

const tick = async (ms = 0): Promise<void> => {
  await vi.advanceTimersByTimeAsync(ms);
};

/** Runs the fake clock until `promise` settles (retry waits included). */
async function settle(promise: Promise<void>): Promise<void> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  for (let i = 0; i < 100 && !done; i++) await vi.advanceTimersToNextTimerAsync();
  await promise;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-11-22T10:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("batching", () => {
  it("cuts batches by count at once and sends the rest at the interval", async () => {
    const sender = scriptedSender();
    const exporter = exporterWith(sender, { maxBatchSize: 10, flushIntervalMs: 1000 });
    for (let id = 0; id < 25; id++) expect(exporter.enqueue({ id })).toBe(true);
    expect(sender.calls).toHaveLength(0); // nothing is sent on the caller's stack
    await tick(0);
    expect(sender.calls.map((c) => c.ids.length)).toEqual([10, 10]);
    await tick(999);
    expect(sender.calls).toHaveLength(2);
    await tick(1);
    expect(sender.calls.map((c) => c.ids.length)).toEqual([10, 10, 5]);
    expect(sender.calls.flatMap((c) => c.ids)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(exporter.stats()).toMatchObject({ enqueued: 25, sent: 25, batchesSent: 3, queued: 0, inFlight: 0 });
  });

  it("cuts batches by estimated bytes", async () => {
    const sender = scriptedSender();
    const exporter = exporterWith(sender, { maxBatchBytes: 4096, maxConcurrentRequests: 10 });
    for (let id = 0; id < 12; id++) exporter.enqueue({ id, text: "x".repeat(1000) });
    await exporter.flush();
    const sizes = sender.calls.map((c) => Buffer.byteLength(JSON.stringify(c.batch)));
    expect(sender.calls.map((c) => c.ids.length)).toEqual([3, 3, 3, 3]);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(4096);
  });

  it("starts the interval at the first queued record", async () => {
    const sender = scriptedSender();
    const exporter = exporterWith(sender, { flushIntervalMs: 1000 });
    exporter.enqueue({ id: 1 });
    await tick(600);
    exporter.enqueue({ id: 2 });
    await tick(399);
    expect(sender.calls).toHaveLength(0);
    await tick(1);
    expect(sender.calls.map((c) => c.ids)).toEqual([[1, 2]]);
    expect(vi.getTimerCount()).toBe(0); // queue empty: no timer left behind
  });

  it("truncates a record bigger than maxBatchBytes and still sends it", async () => {
    const sender = scriptedSender();
    const exporter = exporterWith(sender, { maxBatchBytes: 64 * 1024 });
    expect(exporter.enqueue({ id: 7, text: "y".repeat(1_000_000) })).toBe(true);
    await exporter.flush();
    const sent = sender.calls[0]!.batch[0]!;
    expect(sent.id).toBe(7);
    expect(sent.text).toMatch(/…\[truncated by langchain-llmops: \d+ of 1000000 chars removed\]$/);
    expect(Buffer.byteLength(JSON.stringify(sender.calls[0]!.batch))).toBeLessThanOrEqual(64 * 1024);
    expect(exporter.stats()).toMatchObject({ truncated: 1, sent: 1 });
  });

  it("bounds requests in flight by maxConcurrentRequests", async () => {
    const gates = [gate(), gate(), gate(), gate()];
    const sender = scriptedSender((_call, index) => gates[index]!.promise);
    const exporter = exporterWith(sender, { maxBatchSize: 1, maxConcurrentRequests: 2 });
    for (let id = 0; id < 4; id++) exporter.enqueue({ id });
    await tick(0);
    expect(sender.calls).toHaveLength(2);
    expect(exporter.stats().inFlight).toBe(2);
    gates[0]!.open();
    await tick(0);
    expect(sender.calls).toHaveLength(3);
    gates[1]!.open();
    gates[2]!.open();
    gates[3]!.open();
    await exporter.flush();
    expect(exporter.stats()).toMatchObject({ sent: 4, inFlight: 0, batchesSent: 4 });
  });

  it("flush() never sends on the caller's stack (it is called from handle* methods)", async () => {
    const sender = scriptedSender();
    const exporter = exporterWith(sender);
    exporter.enqueue({ id: 1 });
    const flushed = exporter.flush();
    expect(sender.calls).toHaveLength(0);
    await flushed;
    expect(sender.calls.map((c) => c.ids)).toEqual([[1]]);
  });

  it("in serverless mode keeps no timer and sends on flush()", async () => {
    const sender = scriptedSender();
    const exporter = exporterWith(sender, { serverless: true });
    exporter.enqueue({ id: 1 });
    exporter.enqueue({ id: 2 });
    expect(vi.getTimerCount()).toBe(0);
    await tick(60_000);
    expect(sender.calls).toHaveLength(0);
    await exporter.flush();
    expect(sender.calls.map((c) => c.ids)).toEqual([[1, 2]]);
  });
});

describe("retries", () => {
  it("backs off with full jitter, keeps the idempotency key, and counts retries", async () => {
    const sender = scriptedSender((_call, index) => (index < 2 ? retryable() : { status: "success", bytes: 5 }));
    const exporter = exporterWith(sender, { initialRetryDelayMs: 100, maxRetryDelayMs: 10_000 });
    exporter.enqueue({ id: 1 });
    const start = Date.now();
    await settle(exporter.flush());
    expect(sender.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(sender.calls.map((c) => c.at - start)).toEqual([0, 50, 150]); // random 0.5 × 100, × 200
    expect(new Set(sender.calls.map((c) => c.key)).size).toBe(1);
    expect(exporter.stats()).toMatchObject({ sent: 1, retried: 2, failed: 0, batchesSent: 1, bytesSent: 5 });
  });

  it("waits for Retry-After instead of the backoff", async () => {
    const sender = scriptedSender((_call, index) => (index === 0 ? retryable(2000) : { status: "success", bytes: 1 }));
    const exporter = exporterWith(sender);
    exporter.enqueue({ id: 1 });
    void exporter.flush();
    await tick(0);
    await tick(1999);
    expect(sender.calls).toHaveLength(1);
    await tick(1);
    expect(sender.calls).toHaveLength(2);
    expect(sender.calls[1]!.at - sender.calls[0]!.at).toBe(2000);
  });

  it("gives up after maxAttempts and reports one error with the attempts", async () => {
    const onError = vi.fn();
    const sender = scriptedSender(() => retryable());
    const exporter = exporterWith(sender, { maxAttempts: 3, initialRetryDelayMs: 10, onError });
    exporter.enqueue({ id: 1 });
    exporter.enqueue({ id: 2 });
    await settle(exporter.flush());
    expect(sender.calls).toHaveLength(3);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({ status: 503, attempts: 3, itemCount: 2, endpoint: "/t" });
    expect(exporter.stats()).toMatchObject({ failed: 2, retried: 2, sent: 0, batchesFailed: 1 });
  });

  it("gives up when the next wait would pass batchDeadlineMs", async () => {
    const onError = vi.fn();
    const sender = scriptedSender(() => retryable(5000));
    const exporter = exporterWith(sender, { batchDeadlineMs: 3000, onError });
    exporter.enqueue({ id: 1 });
    await exporter.flush();
    expect(sender.calls).toHaveLength(1);
    expect((onError.mock.calls[0]![0] as ExportError).message).toContain("batchDeadlineMs");
  });

  it("does not retry a failure", async () => {
    const onError = vi.fn();
    const sender = scriptedSender(() => ({ status: "failure", error: http(400) }));
    const exporter = exporterWith(sender, { onError });
    exporter.enqueue({ id: 1 });
    await exporter.flush();
    expect(sender.calls).toHaveLength(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({ status: 400, attempts: 1, itemCount: 1 });
  });

  it("splits a batch in half on too-large until the halves fit", async () => {
    const sender = scriptedSender((call) =>
      call.ids.length > 2 ? { status: "too-large", error: http(413) } : { status: "success", bytes: 1 },
    );
    const exporter = exporterWith(sender);
    for (let id = 0; id < 8; id++) exporter.enqueue({ id });
    await exporter.flush();
    const delivered = sender.calls.filter((c) => c.ids.length <= 2);
    expect(delivered.flatMap((c) => c.ids)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const root = sender.calls[0]!.key;
    expect(delivered.map((c) => c.key)).toEqual([`${root}.1.1`, `${root}.1.2`, `${root}.2.1`, `${root}.2.2`]);
    expect(exporter.stats()).toMatchObject({ sent: 8, splits: 3, batchesSent: 4, failed: 0 });
  });

  it("reports a single record that is still too large", async () => {
    const onError = vi.fn();
    const sender = scriptedSender(() => ({ status: "too-large", error: http(413) }));
    const exporter = exporterWith(sender, { onError });
    exporter.enqueue({ id: 1 });
    await exporter.flush();
    expect(onError.mock.calls[0]![0]).toMatchObject({ status: 413, itemCount: 1 });
    expect(exporter.stats()).toMatchObject({ failed: 1, splits: 0 });
  });

  it("turns a throwing sender into a reported failure", async () => {
    const onError = vi.fn();
    const sender = scriptedSender(() => {
      throw new Error("boom");
    });
    const exporter = exporterWith(sender, { onError });
    exporter.enqueue({ id: 1 });
    await exporter.flush();
    expect((onError.mock.calls[0]![0] as ExportError).message).toContain("boom");
    expect(exporter.stats().failed).toBe(1);
  });
});

describe("bounds and drops", () => {
  it("drops when the queue is full, counts exactly, and warns once when it starts and once when it stops", async () => {
    const logger = quietLogger();
    const block = gate();
    const sender = scriptedSender(() => block.promise);
    const exporter = new BatchExporter(sender, { logger, maxQueueSize: 10, maxBatchSize: 10, maxConcurrentRequests: 1 });
    const accepted = Array.from({ length: 25 }, (_, id) => exporter.enqueue({ id }));
    expect(accepted.filter(Boolean)).toHaveLength(10);
    expect(exporter.stats().dropped.queueFull).toBe(15);
    expect(logger.messages()).toHaveLength(1);
    expect(logger.messages()[0]).toContain("queue full");
    await tick(0); // the full batch leaves the queue
    block.open();
    expect(exporter.enqueue({ id: 100 })).toBe(true);
    expect(logger.messages()).toHaveLength(2);
    expect(logger.messages()[1]).toContain("15 dropped");
    await exporter.flush();
    expect(exporter.stats()).toMatchObject({ enqueued: 11, sent: 11, dropped: { queueFull: 15 } });
  });

  it("bounds the queue by bytes", () => {
    const sender = scriptedSender();
    const exporter = exporterWith(sender, { maxQueueBytes: 10_000, maxBatchBytes: 8_000, maxBatchSize: 100 });
    let accepted = 0;
    for (let id = 0; id < 20; id++) if (exporter.enqueue({ id, text: "z".repeat(990) })) accepted++;
    expect(accepted).toBe(9);
    expect(exporter.stats().queuedBytes).toBeLessThanOrEqual(10_000);
    expect(exporter.stats().dropped.queueFull).toBe(11);
  });

  it("never throws from enqueue, even when sizing fails", () => {
    const sender = scriptedSender();
    const exporter = new BatchExporter<Rec>(sender, { logger: quietLogger() }, {
      sizeOf: () => {
        throw new Error("cannot size");
      },
    });
    expect(exporter.enqueue({ id: 1 })).toBe(false);
    expect(exporter.stats().dropped.invalid).toBe(1);
  });

  it("survives a throwing onError and logger", async () => {
    const sender = scriptedSender(() => ({ status: "failure", error: http(400) }));
    const exporter = new BatchExporter<Rec>(sender, {
      onError: () => {
        throw new Error("hook");
      },
      logger: {
        warn: () => {
          throw new Error("log");
        },
      },
      maxQueueSize: 1,
      maxBatchSize: 1,
    });
    exporter.enqueue({ id: 1 });
    exporter.enqueue({ id: 2 });
    await exporter.flush();
    expect(exporter.stats()).toMatchObject({ failed: 1, dropped: { queueFull: 1 } });
  });
});

describe("flush() and shutdown()", () => {
  it("flush() waits for what was queued before the call, not after", async () => {
    const first = gate();
    const sender = scriptedSender((_call, index) => (index === 0 ? first.promise : { status: "success", bytes: 1 }));
    const exporter = exporterWith(sender, { maxConcurrentRequests: 1, flushIntervalMs: 5000 });
    exporter.enqueue({ id: 1 });
    let flushed = false;
    const flushing = exporter.flush().then(() => {
      flushed = true;
    });
    exporter.enqueue({ id: 2 });
    await tick(0);
    expect(flushed).toBe(false);
    first.open();
    await flushing;
    expect(sender.calls.map((c) => c.ids)).toEqual([[1]]);
    expect(exporter.stats().queued).toBe(1);
    await expect(exporter.flush()).resolves.toBeUndefined();
    expect(sender.calls.map((c) => c.ids)).toEqual([[1], [2]]);
  });

  it("flush() on an empty exporter resolves at once", async () => {
    const exporter = exporterWith(scriptedSender());
    await expect(exporter.flush()).resolves.toBeUndefined();
  });

  it("shutdown() sends what is queued, closes the sender once, and is idempotent", async () => {
    const sender = scriptedSender();
    const exporter = exporterWith(sender, { flushIntervalMs: 60_000 });
    exporter.enqueue({ id: 1 });
    const first = exporter.shutdown();
    const second = exporter.shutdown();
    expect(second).toBe(first);
    await first;
    await exporter.shutdown();
    expect(sender.calls.map((c) => c.ids)).toEqual([[1]]);
    expect(sender.closed).toBe(1);
    expect(exporter.enqueue({ id: 2 })).toBe(false);
    expect(exporter.stats()).toMatchObject({ sent: 1, dropped: { afterShutdown: 1 } });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("shutdown() during a retry wait ends at once with one last attempt, and counts the loss", async () => {
    const onError = vi.fn();
    const sender = scriptedSender(() => retryable(30_000));
    const exporter = exporterWith(sender, { onError });
    exporter.enqueue({ id: 1 });
    exporter.enqueue({ id: 2 });
    void exporter.flush();
    await tick(0);
    expect(exporter.stats()).toMatchObject({ waitingToRetry: 1, retried: 0, inFlight: 1 }); // now waiting 30 s
    await exporter.shutdown(); // no timer advanced: it must end by itself
    expect(sender.calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({ attempts: 2, itemCount: 2, status: 429 });
    expect(exporter.stats()).toMatchObject({ failed: 2, sent: 0, inFlight: 0, retried: 1, waitingToRetry: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("shutdown() during a retry wait delivers when the last attempt succeeds", async () => {
    const sender = scriptedSender((_call, index) => (index === 0 ? retryable(30_000) : { status: "success", bytes: 1 }));
    const exporter = exporterWith(sender);
    exporter.enqueue({ id: 1 });
    void exporter.flush();
    await tick(0);
    await exporter.shutdown();
    expect(exporter.stats()).toMatchObject({ sent: 1, failed: 0 });
  });

  it("shutdown() aborts what is left after shutdownTimeoutMs and counts it", async () => {
    const onError = vi.fn();
    // A request that only ends when its signal aborts (a backend that never answers).
    const sender = scriptedSender(
      (call) =>
        new Promise<SendOutcome>((resolve) =>
          call.signal.addEventListener("abort", () =>
            resolve({ status: "retryable", error: new ExportError("ERR_LLMOPS_SHUTDOWN", "aborted", {}) }),
          ),
        ),
    );
    const exporter = exporterWith(sender, { maxBatchSize: 1, maxConcurrentRequests: 1, shutdownTimeoutMs: 500, onError });
    for (let id = 0; id < 3; id++) exporter.enqueue({ id });
    await tick(0);
    let done = false;
    const shutting = exporter.shutdown().then(() => {
      done = true;
    });
    await tick(499);
    expect(done).toBe(false);
    await tick(1);
    await shutting;
    expect(sender.calls).toHaveLength(1);
    expect(exporter.stats()).toMatchObject({ failed: 1, dropped: { shutdown: 2 }, queued: 0, inFlight: 0 });
    const codes = onError.mock.calls.map((c) => (c[0] as ExportError).code);
    expect(codes).toEqual(["ERR_LLMOPS_SHUTDOWN", "ERR_LLMOPS_SHUTDOWN"]);
    expect(sender.closed).toBe(1);
  });

  it("flushOnExit adds one beforeExit listener and shutdown() removes it", async () => {
    const before = process.listenerCount("beforeExit");
    const exporter = exporterWith(scriptedSender(), { flushOnExit: true });
    expect(process.listenerCount("beforeExit")).toBe(before + 1);
    await exporter.shutdown();
    expect(process.listenerCount("beforeExit")).toBe(before);
    const plain = exporterWith(scriptedSender());
    expect(process.listenerCount("beforeExit")).toBe(before);
    await plain.shutdown();
  });
});

describe("stats()", () => {
  it("counts every record exactly once across success, retry, failure, split and drops", async () => {
    // Batches of 2: [0,1] → 503 then 200; [2,3] → 400; [4,5] → 413 then halves 200; [6,7] → 200.
    const sender = scriptedSender((call) => {
      const first = call.ids[0]!;
      if (first === 0) return call.attempt === 1 ? retryable() : { status: "success", bytes: 100 };
      if (first === 2) return { status: "failure", error: http(400) };
      if (first === 4 && call.ids.length === 2) return { status: "too-large", error: http(413) };
      return { status: "success", bytes: 10 * call.ids.length };
    });
    const onError = vi.fn();
    const exporter = exporterWith(sender, { maxBatchSize: 2, maxQueueSize: 8, maxConcurrentRequests: 1, onError });
    for (let id = 0; id < 10; id++) exporter.enqueue({ id }); // 8 fit, 2 dropped
    await settle(exporter.flush());
    await exporter.shutdown();
    exporter.enqueue({ id: 99 });
    expect(exporter.stats()).toEqual({
      enqueued: 8,
      queued: 0,
      queuedBytes: 0,
      inFlight: 0,
      sent: 6,
      retried: 1,
      waitingToRetry: 0,
      failed: 2,
      dropped: { queueFull: 2, afterShutdown: 1, shutdown: 0, invalid: 0 },
      truncated: 0,
      splits: 1,
      bytesSent: 100 + 10 + 10 + 20,
      batchesSent: 4,
      batchesFailed: 1,
    });
    expect(onError).toHaveBeenCalledTimes(1);
    const { enqueued, sent, failed, dropped } = exporter.stats();
    expect(sent + failed + dropped.shutdown).toBe(enqueued);
  });
});

describe("construction", () => {
  it("rejects a sender without send() and a non-function sizeOf, naming them", () => {
    expect(() => new BatchExporter({} as BatchSender<Rec>)).toThrow(/^sender: must have a send\(batch, context\) method, got an object$/);
    expect(() => new BatchExporter(scriptedSender(), {}, { sizeOf: 5 as unknown as () => number })).toThrow(/^sizeOf: must be a function, got 5$/);
    expect(() => new BatchExporter(scriptedSender(), { maxAttempts: -1 })).toThrow(/^maxAttempts: must be an integer >= 1, got -1$/);
  });
});
