import { HttpBatchSender } from "../export/http-batch-sender.ts";
import { HttpTransport } from "../export/http-transport.ts";
import type { PortkeyLog } from "./portkey-log.ts";

/** The path of Portkey's log endpoint under `baseURL`. */
export const PORTKEY_LOGS_PATH = "/logs";

/** Portkey answers a delivered log batch with a bare 200. */
const LOGS_SUCCESS_STATUSES: readonly number[] = [200];

/** What {@link createPortkeyTransport} needs. */
export interface PortkeyTransportOptions {
  readonly apiKey: string;
  /** E.g. `https://api.portkey.ai/v1`. */
  readonly baseURL: string;
  readonly requestTimeoutMs?: number;
  readonly maxConnections?: number;
  readonly gzip?: boolean;
}

/** One connection pool to Portkey, authenticated with `x-portkey-api-key`; shared by logs and feedback. */
export function createPortkeyTransport(options: PortkeyTransportOptions): HttpTransport {
  const transportOptions: ConstructorParameters<typeof HttpTransport>[0] = {
    baseURL: options.baseURL,
    headers: { "x-portkey-api-key": options.apiKey },
  };
  if (options.requestTimeoutMs !== undefined) transportOptions.requestTimeoutMs = options.requestTimeoutMs;
  if (options.maxConnections !== undefined) transportOptions.maxConnections = options.maxConnections;
  if (options.gzip !== undefined) transportOptions.gzip = options.gzip;
  return new HttpTransport(transportOptions);
}

/**
 * Sends a batch of logs as one JSON array to `POST {baseURL}/logs` (the batch form of the endpoint).
 * The array is serialized here with `JSON.stringify`, not by Portkey's Node SDK, whose serializer
 * turns an array into `{"0":…,"1":…}`.
 */
export function createPortkeyLogSender(transport: HttpTransport): HttpBatchSender<PortkeyLog> {
  return new HttpBatchSender<PortkeyLog>({ transport, path: PORTKEY_LOGS_PATH, successStatuses: LOGS_SUCCESS_STATUSES });
}
