import { createExportTransport } from "../export/create-export-transport.ts";
import type { ExportOptions } from "../export/export-options.ts";
import { HttpBatchSender } from "../export/http-batch-sender.ts";
import type { HttpTransport } from "../export/http-transport.ts";
import type { PortkeyLog } from "./portkey-log.ts";
import { repairTruncatedLog } from "./repair-truncated-log.ts";

/** The path of Portkey's log endpoint under `baseURL`. */
export const PORTKEY_LOGS_PATH = "/logs";

/** Portkey answers a delivered log batch with a bare 200. */
const LOGS_SUCCESS_STATUSES: readonly number[] = [200];

/** Where Portkey is and the key to reach it. */
export interface PortkeyConnection {
  readonly apiKey: string;
  /** E.g. `https://api.portkey.ai/v1`. */
  readonly baseURL: string;
}

/**
 * One connection pool to Portkey, authenticated with `x-portkey-api-key` and sized from the export
 * options; shared by logs and feedback.
 */
export function createPortkeyTransport(connection: PortkeyConnection, options?: ExportOptions): HttpTransport {
  return createExportTransport(options, { baseURL: connection.baseURL, headers: { "x-portkey-api-key": connection.apiKey } });
}

/**
 * Sends a batch of logs as one JSON array to `POST {baseURL}/logs` (the batch form of the endpoint).
 * The array is serialized here with `JSON.stringify`, not by Portkey's Node SDK, whose serializer
 * turns an array into `{"0":…,"1":…}`. A log the exporter cut to fit `maxBatchBytes` is first made
 * acceptable again ({@link repairTruncatedLog}): Portkey would refuse the whole batch for it.
 */
export function createPortkeyLogSender(transport: HttpTransport): HttpBatchSender<PortkeyLog> {
  return new HttpBatchSender<PortkeyLog>({
    transport,
    path: PORTKEY_LOGS_PATH,
    successStatuses: LOGS_SUCCESS_STATUSES,
    toBody: (batch) => batch.map(repairTruncatedLog),
  });
}
