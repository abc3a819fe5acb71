/**
 * Event-loop lag while shipping, child side: a producer builds `ratePerS` records per second of about
 * `recordBytes` each (ticks every 10 ms) for `durationMs`, and `monitorEventLoopDelay` records how late
 * the loop ran. Two configurations: `baseline` (the producer alone) and `exporter` (each record also
 * enqueued into our exporter with its default options, shipping to the sink). The first second is a
 * warm-up and is not recorded.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createOurExporter } from "./our-exporter.ts";
import { sampleRecord } from "./sample-records.ts";

export interface LagJob {
  mode: "baseline" | "exporter";
  ratePerS: number;
  recordBytes: number;
  durationMs: number;
  /** Histogram resolution. */
  resolutionMs: number;
}

export interface LagResult {
  mode: LagJob["mode"];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Records produced over the whole run (warm-up second included). */
  produced: number;
  /** exporter: records the exporter delivered (after a final flush). */
  delivered: number;
  exporterStats?: unknown;
}

const TICK_MS = 10;
const WARMUP_MS = 1000;

export async function measureLag(job: LagJob, base: string): Promise<LagResult> {
  const exporter = job.mode === "exporter" ? createOurExporter(base) : undefined;
  const perTick = Math.round((job.ratePerS * TICK_MS) / 1000);
  let seq = 0;
  let produced = 0;
  let checksum = 0;
  const tick = (): void => {
    for (let i = 0; i < perTick; i += 1) {
      const record = sampleRecord(seq++, job.recordBytes);
      produced += 1;
      if (exporter) exporter.enqueue(record);
      else checksum += (record.trace_id as string).length; // keep the record alive as far as the exporter would
    }
  };
  const histogram = monitorEventLoopDelay({ resolution: job.resolutionMs });
  const interval = setInterval(tick, TICK_MS);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, job.durationMs));
  histogram.disable();
  clearInterval(interval);
  let delivered = 0;
  let exporterStats: unknown;
  if (exporter) {
    await exporter.flush();
    const stats = exporter.stats();
    delivered = stats.sent;
    exporterStats = stats;
    await exporter.shutdown();
  } else if (checksum === 0) {
    throw new Error("producer produced nothing");
  }
  const ms = (ns: number): number => ns / 1e6;
  return {
    mode: job.mode,
    p50Ms: ms(histogram.percentile(50)),
    p99Ms: ms(histogram.percentile(99)),
    maxMs: ms(histogram.max),
    meanMs: ms(histogram.mean),
    produced,
    delivered,
    ...(exporterStats === undefined ? {} : { exporterStats }),
  };
}
