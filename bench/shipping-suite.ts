/**
 * The shipping suites, parent side: throughput (stringify vs exporter), event-loop lag (producer alone
 * vs producer + exporter) and memory (our handlers, dead backend and never-ending runs). Every
 * configuration runs in its own child, configurations alternate within a round, rounds repeat.
 */
import type { LagJob, LagResult } from "./event-loop-lag.ts";
import { forkChild } from "./fork-child.ts";
import type { ChildAnswer, ChildJob } from "./child.ts";
import type { MemoryResult, MemoryScenario } from "./memory.ts";
import type { SinkServer } from "./sink-server.ts";
import { median, round } from "./stats.ts";
import type { ThroughputJob, ThroughputResult } from "./throughput.ts";
import { OURS } from "./tracers.ts";
import type { TracerName } from "./tracers.ts";

export interface ThroughputReport {
  records: number;
  recordBytes: number;
  batchSize: number;
  rounds: number;
  stringifyRecordsPerS: number;
  exporterRecordsPerS: number;
  stringifyRounds: number[];
  exporterRounds: number[];
  /** exporter / stringify (medians). */
  ratio: number;
  /** Every record of every exporter round acknowledged by the sink (the exporter's count and the sink's). */
  deliveredAll: boolean;
  sinkRecords: number;
  exporterStats?: unknown;
  error?: string;
}

export interface LagNumbers {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LagReport {
  ratePerS: number;
  recordBytes: number;
  durationMs: number;
  resolutionMs: number;
  rounds: number;
  baseline: LagNumbers;
  exporter: LagNumbers & { delivered: number; produced: number };
  perRound: LagResult[];
  error?: string;
}

export interface MemoryScenarioReport {
  tracer: TracerName;
  scenario: MemoryScenario;
  description: string;
  runs: number;
  /** Median over rounds, per sample point. */
  samples: { runs: number; heapMiB: number }[];
  beforeMiB: number;
  afterMiB: number;
  /** Heap at the end minus heap at half the runs. */
  lateGrowthMiB: number;
  /** Late growth within GC noise ({@link NOISE_MIB}) or at most a quarter of the first half's growth. */
  bounded: boolean;
  verdict: string;
  handlerStats?: unknown;
  error?: string;
}

/** Heap differences below this are GC noise (heapUsed after full GCs varies by a few hundred KiB). */
export const NOISE_MIB = 0.5;

export interface MemoryReport {
  rounds: number;
  scenarios: MemoryScenarioReport[];
  error?: string;
}

export interface ShippingPlan {
  suites: ("throughput" | "lag" | "memory")[];
  rounds: number;
  quick: boolean;
}

type Log = (line: string) => void;

async function run(job: ChildJob, log: Log, label: string): Promise<ChildAnswer> {
  const forked = await forkChild(job, 600_000);
  const answer = forked.answer;
  if (answer.refused.count > 0) throw new Error(`${label}: ${answer.refused.count} connection(s) to outside hosts refused (${answer.refused.hosts.join(", ")})`);
  log(`  ${label}${answer.ok ? "" : `: failed (${answer.error.split("\n")[0]})`}  (${Math.round(forked.wallMs)} ms)`);
  if (!answer.ok && forked.output.length > 0) for (const o of forked.output.slice(0, 5)) log(`    | ${o.line}`);
  return answer;
}

async function throughputSuite(plan: ShippingPlan, sink: SinkServer, log: Log, nextPrefix: () => string): Promise<ThroughputReport> {
  const base: Omit<ThroughputJob, "mode"> = { records: plan.quick ? 2000 : 20_000, recordBytes: 4096, batchSize: 100 };
  const results: Record<ThroughputJob["mode"], ThroughputResult[]> = { stringify: [], exporter: [] };
  let sinkRecords = 0;
  let expected = 0;
  let exporterStats: unknown;
  for (let r = 0; r < plan.rounds; r += 1) {
    const modes: ThroughputJob["mode"][] = r % 2 === 0 ? ["stringify", "exporter"] : ["exporter", "stringify"];
    for (const mode of modes) {
      const prefix = `f${nextPrefix()}`;
      const answer = await run({ kind: "throughput", base: `${sink.origin}/${prefix}`, job: { ...base, mode } }, log, `throughput round ${r + 1}/${plan.rounds} ${mode}`);
      if (!answer.ok) return { ...emptyThroughput(base, plan.rounds), error: answer.error.split("\n")[0]! };
      if (answer.kind !== "throughput") throw new Error(`unexpected answer ${answer.kind}`);
      results[mode].push(answer.result);
      if (mode === "exporter") {
        await new Promise((resolve) => setTimeout(resolve, 50));
        sinkRecords += sink.counts(prefix).records;
        expected += answer.result.records + Math.min(2000, answer.result.records); // timed records + warm-up records
        exporterStats = answer.result.exporterStats;
      }
    }
  }
  const s = results.stringify.map((x) => x.recordsPerS);
  const e = results.exporter.map((x) => x.recordsPerS);
  const deliveredAll = sinkRecords === expected && results.exporter.every((x) => x.sent === x.records);
  return {
    records: base.records,
    recordBytes: Math.round(median(results.stringify.map((x) => x.recordBytes))),
    batchSize: base.batchSize,
    rounds: plan.rounds,
    stringifyRecordsPerS: Math.round(median(s)),
    exporterRecordsPerS: Math.round(median(e)),
    stringifyRounds: s.map((x) => Math.round(x)),
    exporterRounds: e.map((x) => Math.round(x)),
    ratio: round(median(e) / median(s), 3),
    deliveredAll,
    sinkRecords,
    exporterStats,
  };
}

function emptyThroughput(base: Omit<ThroughputJob, "mode">, rounds: number): ThroughputReport {
  return {
    records: base.records, recordBytes: base.recordBytes, batchSize: base.batchSize, rounds,
    stringifyRecordsPerS: NaN, exporterRecordsPerS: NaN, stringifyRounds: [], exporterRounds: [], ratio: NaN, deliveredAll: false, sinkRecords: 0,
  };
}

async function lagSuite(plan: ShippingPlan, sink: SinkServer, log: Log, nextPrefix: () => string): Promise<LagReport> {
  const base: Omit<LagJob, "mode"> = { ratePerS: 1000, recordBytes: 10 * 1024, durationMs: plan.quick ? 2000 : 5000, resolutionMs: 1 };
  const results: Record<LagJob["mode"], LagResult[]> = { baseline: [], exporter: [] };
  const nan: LagNumbers = { p50Ms: NaN, p99Ms: NaN, maxMs: NaN };
  for (let r = 0; r < plan.rounds; r += 1) {
    const modes: LagJob["mode"][] = r % 2 === 0 ? ["baseline", "exporter"] : ["exporter", "baseline"];
    for (const mode of modes) {
      const answer = await run({ kind: "lag", base: `${sink.origin}/f${nextPrefix()}`, job: { ...base, mode } }, log, `lag round ${r + 1}/${plan.rounds} ${mode}`);
      if (!answer.ok) return { ...base, rounds: plan.rounds, baseline: nan, exporter: { ...nan, delivered: 0, produced: 0 }, perRound: [], error: answer.error.split("\n")[0]! };
      if (answer.kind !== "lag") throw new Error(`unexpected answer ${answer.kind}`);
      results[mode].push(answer.result);
    }
  }
  const numbers = (list: LagResult[]): LagNumbers => ({
    p50Ms: round(median(list.map((x) => x.p50Ms)), 3),
    p99Ms: round(median(list.map((x) => x.p99Ms)), 3),
    maxMs: round(Math.max(...list.map((x) => x.maxMs)), 3),
  });
  return {
    ...base,
    rounds: plan.rounds,
    baseline: numbers(results.baseline),
    exporter: {
      ...numbers(results.exporter),
      delivered: results.exporter.reduce((sum, x) => sum + x.delivered, 0),
      produced: results.exporter.reduce((sum, x) => sum + x.produced, 0),
    },
    perRound: [...results.baseline, ...results.exporter],
  };
}

const DESCRIPTIONS: Record<MemoryScenario, (runs: number) => string> = {
  "dead-backend": (runs) => `heap bounded after ${runs.toLocaleString("en")} runs with the backend down (default caps)`,
  "never-ending": (runs) => `no heap growth from ${runs.toLocaleString("en")} never-ending runs (eviction)`,
};

/** Non-zero counters of a stats object whose names say what happened to records (drops, evictions, queue). */
function countersOf(stats: unknown, path = ""): string[] {
  if (typeof stats !== "object" || stats === null) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(stats)) {
    const name = path === "" ? key : `${path}.${key}`;
    if (typeof value === "number" && value !== 0 && /drop|evict|queue|sent|fail|open|retr/i.test(name)) out.push(`${name}=${value}`);
    else if (typeof value === "object") out.push(...countersOf(value, name));
  }
  return out;
}

async function memorySuite(plan: ShippingPlan, sink: SinkServer, log: Log, nextPrefix: () => string): Promise<MemoryReport> {
  const runs = plan.quick ? 2000 : 100_000;
  // at most 2 rounds: heap numbers barely move between rounds, and each round is 4 × 100,000 runs
  const rounds = Math.min(plan.rounds, 2);
  const scenarios: MemoryScenario[] = ["dead-backend", "never-ending"];
  const results = new Map<string, MemoryResult[]>();
  const errors = new Map<string, string>();
  for (let r = 0; r < rounds; r += 1) {
    for (const scenario of r % 2 === 0 ? scenarios : [...scenarios].reverse()) {
      for (const tracer of r % 2 === 0 ? OURS : [...OURS].reverse()) {
        const key = `${tracer}/${scenario}`;
        if (errors.has(key)) continue;
        const answer = await run({ kind: "memory", base: `${sink.origin}/${nextPrefix()}`, job: { scenario, tracer, runs } }, log, `memory round ${r + 1}/${rounds} ${tracer} ${scenario}`);
        if (!answer.ok) {
          errors.set(key, answer.error.split("\n")[0]!);
          continue;
        }
        if (answer.kind !== "memory") throw new Error(`unexpected answer ${answer.kind}`);
        results.set(key, [...(results.get(key) ?? []), answer.result]);
      }
    }
  }
  const reports: MemoryScenarioReport[] = [];
  for (const tracer of OURS) {
    for (const scenario of scenarios) {
      const key = `${tracer}/${scenario}`;
      const list = results.get(key) ?? [];
      const description = DESCRIPTIONS[scenario](runs);
      if (list.length === 0) {
        reports.push({ tracer, scenario, description, runs, samples: [], beforeMiB: NaN, afterMiB: NaN, lateGrowthMiB: NaN, bounded: false, verdict: "", error: errors.get(key) ?? "no result" });
        continue;
      }
      const points = list[0]!.samples.map((s, i) => ({ runs: s.runs, heapMiB: round(median(list.map((x) => x.samples[i]?.heapMiB ?? NaN)), 2) }));
      const before = points[0]!.heapMiB;
      const after = points.at(-1)!.heapMiB;
      const half = points.find((p) => p.runs === runs / 2)?.heapMiB ?? NaN;
      const late = after - half;
      const early = half - before;
      // flat once the caps are reached: the second half grows by GC noise only, far less than the first
      const bounded = late <= NOISE_MIB || late <= 0.25 * early;
      const stats = list.at(-1)!.handlerStats;
      reports.push({
        tracer,
        scenario,
        description,
        runs,
        samples: points,
        beforeMiB: before,
        afterMiB: after,
        lateGrowthMiB: round(late, 2),
        bounded,
        verdict: `heap ${before.toFixed(1)} → ${after.toFixed(1)} MiB (+${(after - before).toFixed(1)}), +${late.toFixed(2)} MiB over the last ${(runs / 2).toLocaleString("en")} runs; ${countersOf(stats).join(", ") || "no counters"}`,
        handlerStats: stats,
      });
    }
  }
  return { rounds, scenarios: reports };
}

export async function runShippingSuites(
  plan: ShippingPlan,
  sink: SinkServer,
  log: Log,
  nextPrefix: () => string,
): Promise<{ throughput?: ThroughputReport; lag?: LagReport; memory?: MemoryReport }> {
  const out: { throughput?: ThroughputReport; lag?: LagReport; memory?: MemoryReport } = {};
  if (plan.suites.includes("throughput")) {
    log(`throughput: ${plan.rounds} round(s), stringify and exporter alternating`);
    out.throughput = await throughputSuite(plan, sink, log, nextPrefix);
  }
  if (plan.suites.includes("lag")) {
    log(`event-loop lag: ${plan.rounds} round(s), baseline and exporter alternating`);
    out.lag = await lagSuite(plan, sink, log, nextPrefix);
  }
  if (plan.suites.includes("memory")) {
    log(`memory: ${Math.min(plan.rounds, 2)} round(s), ${OURS.join(" and ")} × dead backend / never-ending runs`);
    out.memory = await memorySuite(plan, sink, log, nextPrefix);
  }
  return out;
}
