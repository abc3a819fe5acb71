/**
 * The per-call overhead suite, parent side: one child per (round, tracer), tracers in a rotated order
 * each round so drift on a shared machine spreads over all of them, then the aggregation the table uses.
 *
 * Aggregation: the mean of a configuration is the median over rounds of its amortized µs per call;
 * p50/p99 are over the pooled per-call samples of all rounds; the added time of a tracer is the median
 * over rounds of (its amortized mean − the `none` amortized mean of the same round), so slow and fast
 * phases of the machine cancel out within a round.
 */
import { forkChild } from "./fork-child.ts";
import type { OverheadJob } from "./overhead.ts";
import type { SinkCounts, SinkServer } from "./sink-server.ts";
import { median, percentile, round } from "./stats.ts";
import type { TracerName } from "./tracers.ts";
import type { WorkloadName } from "./workloads.ts";

export interface OverheadPlan {
  rounds: number;
  tracers: readonly TracerName[];
  jobs: OverheadJob[];
}

export interface OverheadRow {
  tracer: TracerName;
  available: boolean;
  /** Why not available / what failed. */
  error?: string;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  cpuUs: number;
  /** Added amortized time vs `none`, µs per call. */
  addedUs: number;
  addedCpuUs: number;
  /** mean / mean(none). */
  ratioToNone: number;
  roundsMeanUs: number[];
  /** Per round: timed loop, callback-queue drain and tracer flush (ms), amortized and CPU µs per call. */
  roundsDetail: { loopMs: number; drainMs: number; flushMs: number; amortizedUs: number; cpuUs: number }[];
}

export interface OverheadWorkloadReport {
  workload: WorkloadName;
  nPerRound: number;
  warmup: number;
  rounds: number;
  rows: OverheadRow[];
}

export interface OverheadReport {
  workloads: OverheadWorkloadReport[];
  /** What the sink received from each tracer over all rounds and workloads. */
  sink: Record<string, SinkCounts>;
  /** Connections to non-loopback hosts refused, per tracer (must all be 0). */
  refusedConnections: Record<string, number>;
  /** Distinct console lines each tracer's processes printed. */
  output: Record<string, { line: string; count: number }[]>;
  tracerStats: Record<string, unknown>;
}

interface RoundResult {
  amortizedUs: number;
  cpuUs: number;
  samplesUs: number[];
  loopMs: number;
  drainMs: number;
  flushMs: number;
}

function addCounts(into: SinkCounts, more: SinkCounts): void {
  into.requests += more.requests;
  into.bytes += more.bytes;
  into.records += more.records;
  for (const [path, count] of Object.entries(more.paths)) into.paths[path] = (into.paths[path] ?? 0) + count;
}

function mergeOutput(into: { line: string; count: number }[], more: { line: string; count: number }[]): { line: string; count: number }[] {
  for (const m of more) {
    const found = into.find((x) => x.line === m.line);
    if (found) found.count += m.count;
    else if (into.length < 20) into.push({ ...m });
  }
  return into;
}

export async function runOverheadSuite(
  plan: OverheadPlan,
  sink: SinkServer,
  log: (line: string) => void,
  nextPrefix: () => string,
): Promise<OverheadReport> {
  const results = new Map<string, RoundResult[]>(); // key `${workload}/${tracer}` → per round
  const errors = new Map<TracerName, string>();
  const sinkTotals: Record<string, SinkCounts> = {};
  const refused: Record<string, number> = {};
  const output: Record<string, { line: string; count: number }[]> = {};
  const tracerStats: Record<string, unknown> = {};

  for (let r = 0; r < plan.rounds; r += 1) {
    const order = plan.tracers.map((_, i) => plan.tracers[(i + r) % plan.tracers.length]!);
    for (const tracer of order) {
      if (errors.has(tracer)) continue;
      const prefix = nextPrefix();
      const forked = await forkChild({ kind: "overhead", tracer, base: `${sink.origin}/${prefix}`, jobs: plan.jobs }, 600_000);
      // give the sink a moment to count requests still being read when the child exited
      await new Promise((resolve) => setTimeout(resolve, 50));
      const counts = sink.counts(prefix);
      addCounts((sinkTotals[tracer] ??= { requests: 0, bytes: 0, records: 0, paths: {} }), counts);
      refused[tracer] = (refused[tracer] ?? 0) + forked.answer.refused.count;
      if (forked.output.length > 0) output[tracer] = mergeOutput(output[tracer] ?? [], forked.output);
      const answer = forked.answer;
      if (!answer.ok) {
        errors.set(tracer, answer.error.split("\n")[0]!);
        log(`  round ${r + 1} ${tracer}: unavailable (${answer.error.split("\n")[0]})`);
        continue;
      }
      if (answer.kind !== "overhead") throw new Error(`unexpected answer ${answer.kind}`);
      tracerStats[tracer] = answer.tracerStats;
      const summary: string[] = [];
      for (const result of answer.results) {
        const key = `${result.workload}/${tracer}`;
        const list = results.get(key) ?? [];
        list.push(result);
        results.set(key, list);
        summary.push(`${result.workload} ${round(result.amortizedUs, 1)} µs`);
      }
      log(`  round ${r + 1}/${plan.rounds} ${tracer.padEnd(11)} ${summary.join(", ")}  (${Math.round(forked.wallMs)} ms)`);
    }
  }

  const workloads: OverheadWorkloadReport[] = plan.jobs.map((job) => {
    const none = results.get(`${job.workload}/none`) ?? [];
    const rows = plan.tracers.map((tracer): OverheadRow => {
      const list = results.get(`${job.workload}/${tracer}`) ?? [];
      const error = errors.get(tracer);
      if (list.length === 0) {
        return {
          tracer, available: false, error: error ?? "no result",
          meanUs: NaN, p50Us: NaN, p99Us: NaN, cpuUs: NaN, addedUs: NaN, addedCpuUs: NaN, ratioToNone: NaN, roundsMeanUs: [], roundsDetail: [],
        };
      }
      const pooled = list.flatMap((x) => x.samplesUs);
      const rounds = list.length;
      const added: number[] = [];
      const addedCpu: number[] = [];
      for (let i = 0; i < Math.min(rounds, none.length); i += 1) {
        added.push(list[i]!.amortizedUs - none[i]!.amortizedUs);
        addedCpu.push(list[i]!.cpuUs - none[i]!.cpuUs);
      }
      const meanUs = median(list.map((x) => x.amortizedUs));
      const noneMean = median(none.map((x) => x.amortizedUs));
      return {
        tracer,
        available: true,
        ...(error !== undefined ? { error } : {}),
        meanUs: round(meanUs),
        p50Us: round(percentile(pooled, 0.5)),
        p99Us: round(percentile(pooled, 0.99)),
        cpuUs: round(median(list.map((x) => x.cpuUs))),
        addedUs: round(median(added)),
        addedCpuUs: round(median(addedCpu)),
        ratioToNone: round(meanUs / noneMean, 3),
        roundsMeanUs: list.map((x) => round(x.amortizedUs)),
        roundsDetail: list.map((x) => ({
          loopMs: round(x.loopMs), drainMs: round(x.drainMs), flushMs: round(x.flushMs), amortizedUs: round(x.amortizedUs), cpuUs: round(x.cpuUs),
        })),
      };
    });
    return { workload: job.workload, nPerRound: job.n, warmup: job.warmup, rounds: plan.rounds, rows };
  });

  return { workloads, sink: sinkTotals, refusedConnections: refused, output, tracerStats };
}
