/**
 * Shipping throughput, child side. Two configurations on the same deterministic records:
 * - `stringify`: `JSON.stringify` of the records in batches of `batchSize` (the floor of any JSON
 *   exporter: the practical limit);
 * - `exporter`: every record through `enqueue` → batches → `JSON.stringify` → HTTP POST → the sink
 *   answered 200, timed from the first `enqueue` to `flush()` resolving (everything acknowledged).
 * The exporter runs with its defaults except a queue big enough to hold the whole run (so the number
 * measures shipping, not dropping); it is warmed up first (connections open, JIT warm).
 */
import { createOurExporter } from "./our-exporter.ts";
import { sampleRecord } from "./sample-records.ts";
import type { SampleRecord } from "./sample-records.ts";

export interface ThroughputJob {
  mode: "stringify" | "exporter";
  records: number;
  recordBytes: number;
  batchSize: number;
}

export interface ThroughputResult {
  mode: ThroughputJob["mode"];
  records: number;
  /** Mean JSON bytes per record. */
  recordBytes: number;
  elapsedMs: number;
  recordsPerS: number;
  /** exporter: records the exporter counted as delivered in the timed part. */
  sent?: number;
  exporterStats?: unknown;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export async function measureThroughput(job: ThroughputJob, base: string): Promise<ThroughputResult> {
  const records: SampleRecord[] = Array.from({ length: job.records }, (_, i) => sampleRecord(i, job.recordBytes));
  const warm: SampleRecord[] = Array.from({ length: Math.min(2000, job.records) }, (_, i) => sampleRecord(job.records + i, job.recordBytes));
  let totalBytes = 0;
  for (const r of records) totalBytes += JSON.stringify(r).length;
  const recordBytes = totalBytes / records.length;

  if (job.mode === "stringify") {
    let sink = 0;
    const pass = (list: readonly SampleRecord[]): void => {
      for (let i = 0; i < list.length; i += job.batchSize) sink += JSON.stringify(list.slice(i, i + job.batchSize)).length;
    };
    pass(warm);
    gc();
    const t0 = performance.now();
    pass(records);
    const elapsedMs = performance.now() - t0;
    if (sink === 0) throw new Error("nothing serialized");
    return { mode: job.mode, records: job.records, recordBytes, elapsedMs, recordsPerS: (job.records * 1000) / elapsedMs };
  }

  const exporter = createOurExporter(base, {
    maxBatchSize: job.batchSize,
    maxQueueSize: job.records + warm.length,
    maxQueueBytes: Math.max(16 * 2 ** 20, 4 * totalBytes),
  });
  for (const r of warm) exporter.enqueue(r);
  await exporter.flush();
  const sentBefore = exporter.stats().sent;
  gc();
  const t0 = performance.now();
  for (const r of records) exporter.enqueue(r);
  await exporter.flush();
  const elapsedMs = performance.now() - t0;
  const stats = exporter.stats();
  await exporter.shutdown();
  return {
    mode: job.mode,
    records: job.records,
    recordBytes,
    elapsedMs,
    recordsPerS: (job.records * 1000) / elapsedMs,
    sent: stats.sent - sentBefore,
    exporterStats: stats,
  };
}
