import type { ExportError } from "../errors.ts";

/**
 * The seam between the generic export pipeline and a vendor: the pipeline decides *when* and *what*
 * to send (queue, batching, retries, deadlines, splitting); a `BatchSender` decides *how* one batch
 * goes on the wire. Implementations never throw: every outcome is a value.
 */
export interface BatchSender<T> {
  /** Sends one batch once (one attempt). The pipeline retries according to the outcome. */
  send(batch: readonly T[], context: SendContext): Promise<SendOutcome>;
}

/** What the pipeline tells a sender about the attempt it is making. */
export interface SendContext {
  /** Stable across every retry of the same batch; sent as the `Idempotency-Key` header. */
  readonly idempotencyKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted when the batch's deadline passes or the exporter shuts down. */
  readonly signal: AbortSignal;
}

/** The outcome of one send attempt. */
export type SendOutcome =
  | { readonly status: "success"; readonly bytes: number }
  /** Worth trying again (408/429/502/503/504, network error, timeout). */
  | { readonly status: "retryable"; readonly error: ExportError; readonly retryAfterMs?: number; readonly bytes?: number }
  /** The backend refused the batch for good (400/401/403/404/422, …). */
  | { readonly status: "failure"; readonly error: ExportError; readonly bytes?: number }
  /** 413: the pipeline splits the batch in half and sends the halves. */
  | { readonly status: "too-large"; readonly error: ExportError; readonly bytes?: number };

/**
 * A sender that owns resources (sockets). `BatchExporter.shutdown()` calls `close()` once, after the
 * last batch settled. Optional: a plain {@link BatchSender} works too.
 */
export interface ClosableBatchSender<T> extends BatchSender<T> {
  close(): Promise<void>;
}
