import type { Dispatcher } from "undici";
import { BatchExporter } from "./batch-exporter.ts";
import { createExportTransport } from "./create-export-transport.ts";
import type { ExportOptions } from "./export-options.ts";
import { HttpBatchSender } from "./http-batch-sender.ts";
import type { HttpTransport } from "./http-transport.ts";

/** Options of {@link createHttpExporter}. */
export interface HttpExporterOptions<T> {
  /** The backend's base URL, e.g. `https://api.portkey.ai/v1`. Required. */
  baseURL: string;
  /** The batch endpoint, e.g. `/logs`. Required. */
  path: string;
  /** Headers for every request (API key, …). @default {} */
  headers?: Record<string, string>;
  /** Builds the JSON body from a batch. @default the batch itself (a JSON array) */
  toBody?: (batch: readonly T[]) => unknown;
  /** Statuses that mean "delivered". @default every 2xx status */
  successStatuses?: readonly number[];
  /** Queue, batching, retry and shutdown options. @default {} (see {@link ExportOptions}) */
  export?: ExportOptions;
  /** Names the exporter in warnings. @default "exporter" */
  name?: string;
  /** Estimated JSON bytes of one item. @default a bounded walker */
  sizeOf?: (item: T) => number;
  /** The undici dispatcher to use (tests: a `MockAgent`). @default a dedicated `Agent` */
  dispatcher?: Dispatcher;
}

/**
 * Wires the whole pipeline for one backend: an {@link HttpTransport} sized from the export options
 * (one socket per concurrent batch plus one for single requests, keep-alive longer than the flush
 * interval, `requestTimeoutMs`, `gzip`), an {@link HttpBatchSender}, and a {@link BatchExporter}.
 * Returns the transport too, so single requests (feedback, track-*) share its sockets.
 *
 * @example
 * const { exporter, transport } = createHttpExporter<PortkeyLog>({
 *   baseURL: "https://api.portkey.ai/v1", path: "/logs", headers: { "x-portkey-api-key": key },
 * });
 */
export function createHttpExporter<T>(options: HttpExporterOptions<T>): { exporter: BatchExporter<T>; transport: HttpTransport } {
  const transport = createExportTransport(options.export, {
    baseURL: options.baseURL,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
  });
  const sender = new HttpBatchSender<T>({
    transport,
    path: options.path,
    ...(options.toBody === undefined ? {} : { toBody: options.toBody }),
    ...(options.successStatuses === undefined ? {} : { successStatuses: options.successStatuses }),
  });
  const exporter = new BatchExporter<T>(sender, options.export, {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.sizeOf === undefined ? {} : { sizeOf: options.sizeOf }),
  });
  return { exporter, transport };
}
