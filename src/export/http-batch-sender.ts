import type { ClosableBatchSender, SendContext, SendOutcome } from "./batch-sender.ts";
import type { HttpTransport } from "./http-transport.ts";
import { toSendOutcome } from "./to-send-outcome.ts";

/** Options of {@link HttpBatchSender}. */
export interface HttpBatchSenderOptions<T> {
  /** The transport to POST through; closed by `close()`. Required. */
  transport: HttpTransport;
  /** The endpoint path, e.g. `/logs` or `/spans-bulk`. Required. */
  path: string;
  /** Builds the JSON body from a batch. @default the batch itself (a JSON array) */
  toBody?: (batch: readonly T[]) => unknown;
  /** Statuses that mean "delivered". @default every 2xx status */
  successStatuses?: readonly number[];
}

/**
 * A {@link ClosableBatchSender} that POSTs each batch as JSON: `JSON.stringify(toBody(batch))` to `path`,
 * with the batch's `Idempotency-Key`, classified by {@link toSendOutcome}. Vendors plug in with
 * `toBody` (Portkey: the array itself; PromptLayer: `{ spans: batch }`).
 */
export class HttpBatchSender<T> implements ClosableBatchSender<T> {
  readonly #transport: HttpTransport;
  readonly #path: string;
  readonly #toBody: (batch: readonly T[]) => unknown;
  readonly #successStatuses: readonly number[] | undefined;

  constructor(options: HttpBatchSenderOptions<T>) {
    this.#transport = options.transport;
    this.#path = options.path;
    this.#toBody = options.toBody ?? ((batch) => batch);
    this.#successStatuses = options.successStatuses;
  }

  async send(batch: readonly T[], context: SendContext): Promise<SendOutcome> {
    const body = JSON.stringify(this.#toBody(batch));
    const result = await this.#transport.post(this.#path, body, {
      idempotencyKey: context.idempotencyKey,
      signal: context.signal,
    });
    return toSendOutcome(result, {
      endpoint: this.#path,
      itemCount: batch.length,
      attempt: context.attempt,
      ...(this.#successStatuses === undefined ? {} : { successStatuses: this.#successStatuses }),
    });
  }

  /** Closes the transport's sockets. */
  close(): Promise<void> {
    return this.#transport.close();
  }
}
