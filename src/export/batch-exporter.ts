import { randomUUID } from "node:crypto";
import { ConfigError, ExportError } from "../errors.ts";
import { abortableDelay } from "./abortable-delay.ts";
import type { BatchSender, SendContext, SendOutcome } from "./batch-sender.ts";
import { estimateJsonBytes } from "./estimate-size.ts";
import { emptyExportStats, type ExportStats } from "./export-stats.ts";
import { describe, resolveExportOptions, type ExportOptions, type ResolvedExportOptions } from "./export-options.ts";
import { retryLoop } from "./send-with-retry.ts";
import { truncateToFit } from "./truncate-to-fit.ts";

/** Room kept in every batch for the sender's envelope (`[` `]`, or `{"spans":[…]}`). */
export const BATCH_ENVELOPE_BYTES = 64;

/** Per-exporter hooks that are not user options. */
export interface BatchExporterHooks<T> {
  /** Estimated JSON bytes of one item. @default a bounded walker ({@link estimateJsonBytes}) */
  sizeOf?: (item: T) => number;
  /** Names the exporter in warnings, e.g. `portkey`. @default "exporter" */
  name?: string;
  /** Randomness for the backoff jitter, in [0, 1). @default Math.random */
  random?: () => number;
}

interface Entry<T> {
  readonly item: T;
  readonly bytes: number;
  readonly seq: number;
}

/**
 * The batching half of the pipeline (OpenTelemetry's `BatchSpanProcessorBase`, bounded by bytes too):
 * a queue bounded by records and bytes, batches cut by count, bytes or `flushIntervalMs`, at most
 * `maxConcurrentRequests` batches in flight, each retried by the policy of {@link retryLoop} and split
 * in half on 413. `enqueue` is synchronous and never throws; failures reach `onError` and `stats()`.
 *
 * @example
 * const exporter = new BatchExporter(sender, { flushIntervalMs: 500 }, { name: "portkey" });
 * exporter.enqueue(record);
 * await exporter.shutdown();
 */
export class BatchExporter<T> {
  readonly #sender: BatchSender<T> & { close?: () => Promise<void> };
  readonly #options: ResolvedExportOptions;
  readonly #sizeOf: (item: T) => number;
  readonly #name: string;
  readonly #random: (() => number) | undefined;
  /** Bytes a batch's items (and their commas) may take. */
  readonly #batchBudget: number;
  readonly #stats: ExportStats = emptyExportStats();

  #queue: Array<Entry<T>> = [];
  #queueBytes = 0;
  #nextSeq = 0;
  /** Batches in flight, with the sequence number of their first record. */
  readonly #inFlight = new Map<Promise<void>, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The interval elapsed: partial batches go out until the queue is empty. */
  #due = false;
  /** `flush()` asked for every record below this sequence number to go out now. */
  #forceUntilSeq = 0;
  #pumpScheduled = false;
  /** Records dropped since dropping started (undefined when not dropping). */
  #droppingCount: number | undefined;
  #shutdown: Promise<void> | undefined;
  readonly #stopRetrying = new AbortController();
  readonly #abort = new AbortController();
  readonly #onBeforeExit: (() => void) | undefined;

  constructor(sender: BatchSender<T>, options?: ExportOptions, hooks: BatchExporterHooks<T> = {}) {
    if (typeof (sender as { send?: unknown } | null)?.send !== "function") {
      throw new ConfigError("sender", `must have a send(batch, context) method, got ${describe(sender)}`);
    }
    if (hooks.sizeOf !== undefined && typeof hooks.sizeOf !== "function") {
      throw new ConfigError("sizeOf", `must be a function, got ${describe(hooks.sizeOf)}`);
    }
    this.#sender = sender;
    this.#options = resolveExportOptions(options);
    this.#sizeOf = hooks.sizeOf ?? estimateJsonBytes;
    this.#name = hooks.name ?? "exporter";
    this.#random = hooks.random;
    this.#batchBudget = this.#options.maxBatchBytes - BATCH_ENVELOPE_BYTES;
    if (this.#options.flushOnExit && typeof process !== "undefined") {
      this.#onBeforeExit = () => void this.flush();
      process.on("beforeExit", this.#onBeforeExit);
    }
  }

  /**
   * Queues one item. Synchronous, no I/O, never throws. Returns false when the item was dropped
   * (queue full, after shutdown, or unmeasurable), which `stats().dropped` counts by reason.
   */
  enqueue(item: T): boolean {
    try {
      if (this.#shutdown !== undefined) {
        this.#stats.dropped.afterShutdown++;
        return false;
      }
      let value = item;
      let bytes = this.#sizeOf(item);
      if (bytes > this.#batchBudget) {
        value = truncateToFit(item, this.#batchBudget, this.#sizeOf);
        bytes = this.#sizeOf(value);
        this.#stats.truncated++;
      }
      if (this.#queue.length >= this.#options.maxQueueSize || this.#queueBytes + bytes > this.#options.maxQueueBytes) {
        this.#drop();
        return false;
      }
      this.#endDropping();
      this.#queue.push({ item: value, bytes, seq: this.#nextSeq++ });
      this.#queueBytes += bytes;
      this.#stats.enqueued++;
      if (this.#batchReady()) this.#schedulePump();
      else this.#armTimer();
      return true;
    } catch {
      this.#stats.dropped.invalid++;
      return false;
    }
  }

  /**
   * Sends everything queued before the call, without waiting for the interval. Resolves when each of
   * those records was delivered or definitively failed (reported through `onError`). Never rejects.
   */
  async flush(): Promise<void> {
    const target = this.#nextSeq;
    this.#forceUntilSeq = Math.max(this.#forceUntilSeq, target);
    for (;;) {
      this.#pump();
      const waiting: Array<Promise<void>> = [];
      for (const [batch, firstSeq] of this.#inFlight) if (firstSeq < target) waiting.push(batch);
      if (waiting.length === 0) return;
      await Promise.race(waiting);
    }
  }

  /**
   * Stops accepting records, sends what is queued (no retry waits: a batch waiting to retry makes one
   * last attempt at once), aborts whatever is left after `shutdownTimeoutMs` (counted in
   * `stats().dropped.shutdown` and `failed`), then closes the sender's sockets. Idempotent: later calls
   * return the same promise. Never rejects.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  /** A snapshot of the counters. */
  stats(): ExportStats {
    return {
      ...this.#stats,
      queued: this.#queue.length,
      queuedBytes: this.#queueBytes,
      inFlight: this.#inFlight.size,
      dropped: { ...this.#stats.dropped },
    };
  }

  async #close(): Promise<void> {
    try {
      if (this.#onBeforeExit !== undefined) process.off("beforeExit", this.#onBeforeExit);
      this.#clearTimer();
      this.#stopRetrying.abort();
      const flushed = this.flush();
      const deadline = new AbortController();
      const finished = await Promise.race([
        flushed.then(() => true),
        abortableDelay(this.#options.shutdownTimeoutMs, deadline.signal).then(() => false),
      ]);
      deadline.abort();
      if (!finished) {
        this.#abort.abort(
          new ExportError("ERR_LLMOPS_SHUTDOWN", `shutdownTimeoutMs (${this.#options.shutdownTimeoutMs}) passed`, {}),
        );
        this.#dropQueued();
        await flushed;
      }
      if (this.#droppingCount !== undefined) this.#endDropping();
      await this.#sender.close?.();
    } catch (error) {
      this.#warn(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #batchReady(): boolean {
    return this.#queue.length >= this.#options.maxBatchSize || this.#queueBytes >= this.#batchBudget;
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // Off the caller's stack: the sender serializes the batch, which must not run inside a handle* call.
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #armTimer(): void {
    if (this.#timer !== undefined || this.#due || this.#options.serverless || this.#shutdown !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#due = true;
      this.#pump();
    }, this.#options.flushIntervalMs);
    this.#timer.unref?.();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Starts as many batches as the concurrency bound and the batching rules allow. */
  #pump(): void {
    while (this.#queue.length > 0 && this.#inFlight.size < this.#options.maxConcurrentRequests && !this.#abort.signal.aborted) {
      const first = this.#queue[0];
      if (first === undefined) break;
      if (!this.#batchReady() && !this.#due && first.seq >= this.#forceUntilSeq) break;
      this.#start(this.#takeBatch());
    }
    if (this.#queue.length === 0) {
      this.#due = false;
      this.#clearTimer();
    } else if (!this.#batchReady()) {
      this.#armTimer();
    }
  }

  #takeBatch(): Array<Entry<T>> {
    let count = 0;
    let bytes = 0;
    for (const entry of this.#queue) {
      if (count >= this.#options.maxBatchSize) break;
      const next = bytes + entry.bytes + (count > 0 ? 1 : 0);
      if (count > 0 && next > this.#batchBudget) break;
      bytes = next;
      count++;
    }
    const batch = this.#queue.splice(0, count);
    for (const entry of batch) this.#queueBytes -= entry.bytes;
    return batch;
  }

  #start(batch: Array<Entry<T>>): void {
    const firstSeq = batch[0]?.seq ?? 0;
    // Sent off the caller's stack: flush() is called from handle* methods (serverless root ends),
    // and sending serializes the batch.
    const done: Promise<void> = Promise.resolve()
      .then(() => this.#export(batch, randomUUID()))
      .then(() => {
        this.#inFlight.delete(done);
        this.#pump();
      });
    this.#inFlight.set(done, firstSeq);
  }

  /** Sends one batch with retries; on 413 sends each half. Never rejects. */
  async #export(batch: Array<Entry<T>>, idempotencyKey: string): Promise<void> {
    const items = batch.map((entry) => entry.item);
    let waiting = false;
    const stopWaiting = (): void => {
      if (waiting) this.#stats.waitingToRetry--;
      waiting = false;
    };
    try {
      const send = (context: SendContext): Promise<SendOutcome> => {
        stopWaiting();
        if (context.attempt > 1) this.#stats.retried++;
        return this.#sender.send(items, context);
      };
      const outcome = await retryLoop(send, this.#options, {
        idempotencyKey,
        signal: this.#abort.signal,
        stopRetrying: this.#stopRetrying.signal,
        itemCount: items.length,
        ...(this.#random === undefined ? {} : { random: this.#random }),
        onRetry: () => {
          waiting = true;
          this.#stats.waitingToRetry++;
        },
      });
      stopWaiting();
      if (outcome.status === "success") {
        this.#stats.sent += items.length;
        this.#stats.batchesSent++;
        this.#stats.bytesSent += outcome.bytes;
        return;
      }
      if (outcome.status === "too-large" && batch.length > 1) {
        this.#stats.splits++;
        const half = Math.ceil(batch.length / 2);
        await this.#export(batch.slice(0, half), `${idempotencyKey}.1`);
        await this.#export(batch.slice(half), `${idempotencyKey}.2`);
        return;
      }
      this.#fail(items.length, outcome.error);
    } catch (error) {
      stopWaiting();
      this.#fail(items.length, new ExportError("ERR_LLMOPS_NETWORK", `export failed: ${String(error)}`, { itemCount: items.length, cause: error }));
    }
  }

  #fail(count: number, error: ExportError): void {
    this.#stats.failed += count;
    this.#stats.batchesFailed++;
    this.#report(error);
  }

  #dropQueued(): void {
    const count = this.#queue.length;
    if (count === 0) return;
    this.#queue = [];
    this.#queueBytes = 0;
    this.#stats.dropped.shutdown += count;
    this.#report(
      new ExportError("ERR_LLMOPS_SHUTDOWN", `${count} queued records not sent: shutdownTimeoutMs (${this.#options.shutdownTimeoutMs}) passed`, {
        itemCount: count,
        attempts: 0,
      }),
    );
  }

  #drop(): void {
    this.#stats.dropped.queueFull++;
    if (this.#droppingCount === undefined) {
      this.#droppingCount = 0;
      this.#warn(
        `queue full (maxQueueSize ${this.#options.maxQueueSize}, maxQueueBytes ${this.#options.maxQueueBytes}): dropping records until it drains`,
      );
    }
    this.#droppingCount++;
  }

  #endDropping(): void {
    if (this.#droppingCount === undefined) return;
    const count = this.#droppingCount;
    this.#droppingCount = undefined;
    this.#warn(`stopped dropping records: ${count} dropped while the queue was full`);
  }

  #report(error: ExportError): void {
    try {
      if (this.#options.onError === undefined) {
        this.#warn(`export failed (${error.itemCount} records, ${error.attempts} attempts): ${error.message}`);
      } else {
        this.#options.onError(error);
      }
    } catch {
      // A throwing onError must not break the pipeline; there is nowhere left to report it.
    }
  }

  #warn(message: string): void {
    try {
      this.#options.logger.warn(`[langchain-llmops] ${this.#name}: ${message}`);
    } catch {
      // A throwing logger must not break the pipeline.
    }
  }
}
