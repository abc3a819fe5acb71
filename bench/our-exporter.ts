/**
 * Our export pipeline as the handlers assemble it — `BatchExporter` → `HttpBatchSender` (a JSON array
 * POSTed to `/logs`, the Portkey batch form) → `HttpTransport` (undici, its own connection pool) —
 * pointed at the sink, for the shipping benchmarks that measure the pipeline without LangChain.
 */
import { BatchExporter } from "../src/export/batch-exporter.ts";
import type { ExportOptions } from "../src/export/export-options.ts";
import { HttpBatchSender } from "../src/export/http-batch-sender.ts";
import { HttpTransport } from "../src/export/http-transport.ts";
import type { SampleRecord } from "./sample-records.ts";

/** `base` is the sink origin plus this child's prefix. */
export function createOurExporter(base: string, options: ExportOptions = {}): BatchExporter<SampleRecord> {
  const transport = new HttpTransport({ baseURL: `${base}/v1`, headers: { "x-portkey-api-key": "bench-key" } });
  const sender = new HttpBatchSender<SampleRecord>({ transport, path: "/logs", successStatuses: [200] });
  return new BatchExporter(sender, options, { name: "bench" });
}
