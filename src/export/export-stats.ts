/** Records dropped without a send attempt, by reason. */
export interface DroppedStats {
  /** The queue was full (`maxQueueSize` or `maxQueueBytes`). */
  queueFull: number;
  /** `enqueue` after `shutdown()` began. */
  afterShutdown: number;
  /** Still queued when `shutdown()` ran out of time (`shutdownTimeoutMs`). */
  shutdown: number;
  /** The size estimate threw (a record that cannot be serialized). */
  invalid: number;
}

/**
 * Counters a user can alert on. Records are counted individually; `batches*` count requests.
 * Every accepted record ends in exactly one of `sent`, `failed`, `dropped.shutdown`, or is still
 * `queued` / in flight.
 */
export interface ExportStats {
  /** Records accepted by `enqueue` since construction. */
  enqueued: number;
  /** Records waiting in the queue now. */
  queued: number;
  /** Estimated bytes waiting in the queue now. */
  queuedBytes: number;
  /** Requests (batches) in flight now, retry waits included. */
  inFlight: number;
  /** Records delivered (the backend acknowledged them). */
  sent: number;
  /** Retry attempts made (attempts after the first, for any batch). */
  retried: number;
  /** Batches waiting now for their next attempt (backoff or `Retry-After`); included in `inFlight`. */
  waitingToRetry: number;
  /** Records that definitively failed (reported through `onError`). */
  failed: number;
  /** Records dropped without being sent, by reason. */
  dropped: DroppedStats;
  /** Records truncated to fit `maxBatchBytes`. */
  truncated: number;
  /** 413 answers that made a batch split in two. */
  splits: number;
  /** Request bytes of delivered batches (after gzip). */
  bytesSent: number;
  /** Batches delivered. */
  batchesSent: number;
  /** Batches that definitively failed. */
  batchesFailed: number;
}

/** A zeroed {@link ExportStats}. */
export function emptyExportStats(): ExportStats {
  return {
    enqueued: 0,
    queued: 0,
    queuedBytes: 0,
    inFlight: 0,
    sent: 0,
    retried: 0,
    waitingToRetry: 0,
    failed: 0,
    dropped: { queueFull: 0, afterShutdown: 0, shutdown: 0, invalid: 0 },
    truncated: 0,
    splits: 0,
    bytesSent: 0,
    batchesSent: 0,
    batchesFailed: 0,
  };
}
