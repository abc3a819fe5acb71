/**
 * Our export pipeline as the handlers assemble it — `BatchExporter` → `HttpBatchSender` (a JSON array
 * POSTed to `/logs`, the Portkey batch form) → `HttpTransport` (undici, its own connection pool) —
 * pointed at the sink, for the shipping benchmarks that measure the pipeline without LangChain.
 */
import { BatchExporter, HttpBatchSender, HttpTransport } from "../src/index.ts";
import type { ExportOptions } from "../src/index.ts";
import type { SampleRecord } from "./sample-records.ts";

/** `base` is the sink origin plus this child's prefix. */
export function createOurExporter(base: string, options: ExportOptions = {}): BatchExporter<SampleRecord> {
  const transport = new HttpTransport({ baseURL: `${base}/v1`, headers: { "x-portkey-api-key": "bench-key" } });
  const sender = new HttpBatchSender<SampleRecord>({ transport, path: "/logs", successStatuses: [200] });
  return new BatchExporter(sender, options, { name: "bench" });
}
