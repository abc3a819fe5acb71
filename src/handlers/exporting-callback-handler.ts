/**
 * The seam where the pipeline's halves meet: LangChain events → run tracker → run record (the
 * {@link TracingCallbackHandler} half) → vendor mapping (`toWire`) → batch queue → transport (the
 * {@link BatchExporter} half). Vendor handlers subclass it and supply only the mapping and the sender.
 */
import type { RunRecord } from "../core/run-record.ts";
import { rateLimitedWarn } from "../core/rate-limited-warn.ts";
import { TracingCallbackHandler } from "../core/tracing-callback-handler.ts";
import type { TracingStats } from "../core/tracing-callback-handler.ts";
import type { TracingOptions } from "../core/tracing-options.ts";
import { CallbackError } from "../errors.ts";
import type { LlmopsError } from "../errors.ts";
import { BatchExporter } from "../export/batch-exporter.ts";
import type { BatchSender } from "../export/batch-sender.ts";
import { resolveExportOptions } from "../export/export-options.ts";
import type { ExportOptions } from "../export/export-options.ts";
import type { ExportStats } from "../export/export-stats.ts";

/** Options every exporting handler takes: how runs are recorded, and how records are shipped. */
export interface ExportingHandlerOptions extends Omit<TracingOptions, "onError">, Omit<ExportOptions, "onError"> {
  /**
   * Called with every error the handler reports instead of throwing: export failures
   * (`ExportError`, with status and body excerpt), evicted runs, failing `mask` or callbacks.
   * @default a one-line warning through `logger`, at most one a minute (the next says how many were suppressed)
   */
  onError?: (error: LlmopsError) => void;
}

/** Hooks of a vendor handler that are not user options. */
export interface ExportingHandlerHooks<T> {
  /** Estimated serialized size of one wire item. @default the exporter's bounded JSON-length estimate */
  sizeOf?: (item: T) => number;
  /** Releases the vendor's resources (sockets) after the exporter's last send. */
  close?: () => Promise<void>;
}

/** Counters of an exporting handler: the run tracker's and the exporter's. */
export interface HandlerStats {
  readonly tracking: TracingStats;
  readonly export: ExportStats;
}

/**
 * A LangChain callback handler that ships every finished run to a backend in batches. Its
 * `handle*` methods stay synchronous: a finished run is mapped and queued, and sending happens
 * later, off your chain's path. Call {@link flush} before a short-lived process or serverless
 * function returns, and {@link shutdown} when the process ends.
 */
export abstract class ExportingCallbackHandler<T> extends TracingCallbackHandler {
  readonly #exporter: BatchExporter<T>;
  readonly #serverless: boolean;
  readonly #close: (() => Promise<void>) | undefined;
  /** The batches' retry policy, for single requests (feedback, tracking): one policy per handler. */
  protected readonly retryPolicy: Required<Pick<ExportOptions, "maxAttempts" | "batchDeadlineMs" | "initialRetryDelayMs" | "maxRetryDelayMs">>;
  /** Single requests in flight (feedback, tracking): flush() and shutdown() wait for them. Never reject. */
  readonly #pending = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;

  /** @throws {ConfigError} when an option is invalid (the error names it and its value). */
  protected constructor(options: ExportingHandlerOptions & { name: string }, sender: BatchSender<T>, hooks: ExportingHandlerHooks<T> = {}) {
    const onError = options.onError ?? rateLimitedWarn(60_000, options.logger ?? console);
    super({ ...options, onError });
    this.#exporter = new BatchExporter<T>(sender, { ...options, onError }, {
      name: options.name,
      ...(hooks.sizeOf === undefined ? {} : { sizeOf: hooks.sizeOf }),
    });
    this.#serverless = options.serverless ?? false;
    const { maxAttempts, batchDeadlineMs, initialRetryDelayMs, maxRetryDelayMs } = resolveExportOptions(options);
    this.retryPolicy = { maxAttempts, batchDeadlineMs, initialRetryDelayMs, maxRetryDelayMs };
    this.#close = hooks.close;
  }

  /**
   * Maps a finished run to the vendor's wire item; `undefined` sends nothing for it. Called on
   * LangChain's callback path: pure and synchronous, no I/O, no serialization.
   */
  protected abstract toWire(record: RunRecord): T | undefined;

  /** A throwing `toWire` is caught by the base class: counted in `handlerErrors` and reported. */
  protected handleRecord(record: RunRecord): void {
    const item = this.toWire(record);
    if (item !== undefined) this.#exporter.enqueue(item);
  }

  /** Serverless mode has no interval timer: a finished root run is the moment to send its trace. */
  protected override handleRootEnd(_traceId: string): void {
    if (this.#serverless) void this.#exporter.flush();
  }

  /**
   * Resolves when every run that finished before the call has been delivered or has definitively
   * failed (failures go to `onError`), after the callbacks delivery runs (`pl_id_callback`) and the
   * single requests in flight (feedback, tracking — also those a callback started without awaiting
   * them). Never rejects. Await it before a serverless function returns.
   */
  async flush(): Promise<void> {
    await this.#exporter.flush();
    // After the batches: a callback they ran (pl_id_callback) may have started single requests.
    await Promise.all(this.#pending);
  }

  /**
   * Settles single requests in flight first (one waiting for a retry makes its last attempt at
   * once, while the sockets are still open), then sends what is queued (within
   * `shutdownTimeoutMs`; requests a callback starts meanwhile get one attempt) and closes the
   * sockets. Safe to call twice; runs that finish afterwards are counted as dropped, and single
   * requests made afterwards are not sent (reported to `onError`). Never rejects.
   */
  shutdown(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  /** Counters to alert on: open and evicted runs, queued, sent, retried, failed and dropped records. */
  stats(): HandlerStats {
    return { tracking: this.trackerStats(), export: this.#exporter.stats() };
  }

  /** Aborted when `shutdown()` begins: single requests stop waiting between retries. */
  protected get closingSignal(): AbortSignal {
    return this.#closing.signal;
  }

  /**
   * Registers a single request (feedback, tracking) so that `flush()` and `shutdown()` wait for it.
   * Returns the request unchanged; a rejection stays the caller's.
   */
  protected trackRequest<R>(request: Promise<R>): Promise<R> {
    const settled = request.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
    return request;
  }

  async #shutdown(): Promise<void> {
    this.#closing.abort();
    await Promise.all(this.#pending);
    this.disposeTracking();
    await this.#exporter.shutdown();
    await Promise.all(this.#pending);
    if (this.#close === undefined) return;
    try {
      await this.#close();
    } catch (error) {
      this.reportError(new CallbackError(`${this.name} close`, error));
    }
  }
}
