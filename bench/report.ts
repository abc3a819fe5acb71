/**
 * The report: the JSON shape written to `bench/results/`, the goals evaluated from the measurements
 * (never tuned: a goal with no measurement says "not measured"), and the text table.
 */
import type { OverheadReport, OverheadRow } from "./overhead-suite.ts";
import type { LagReport, MemoryReport, ThroughputReport } from "./shipping-suite.ts";
import { OURS } from "./tracers.ts";
import type { TracerName } from "./tracers.ts";

export type GoalStatus = "met" | "missed" | "not measured";

export interface Goal {
  goal: string;
  measured: string;
  status: GoalStatus;
}

export interface BenchReport {
  startedAt: string;
  finishedAt?: string;
  mode: "quick" | "full";
  machine: {
    node: string;
    cpus: number;
    cpuModel: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd?: number[];
    totalMemoryMiB: number;
  };
  rounds: number;
  overhead?: OverheadReport;
  throughput?: ThroughputReport;
  lag?: LagReport;
  memory?: MemoryReport;
  goals?: Goal[];
}

/** The lag goal: p99 event-loop delay under this many milliseconds. */
export const LAG_P99_GOAL_MS = 5;
/** The throughput goal: at least this fraction of `JSON.stringify`'s records/s. */
export const THROUGHPUT_GOAL_RATIO = 0.5;

const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : "—");

function invokeRow(report: BenchReport, tracer: TracerName): OverheadRow | undefined {
  const rows = report.overhead?.workloads.find((w) => w.workload === "invoke")?.rows;
  const row = rows?.find((r) => r.tracer === tracer);
  return row?.available ? row : undefined;
}

function overheadGoals(report: BenchReport): Goal[] {
  const goals: Goal[] = [];
  const noop = invokeRow(report, "noop");
  const anchors: [TracerName, string][] = [["langsmith", "LangChainTracer"], ["langfuse", "Langfuse"]];
  for (const ours of OURS) {
    const row = invokeRow(report, ours);
    for (const [anchorName, label] of anchors) {
      const anchor = invokeRow(report, anchorName);
      const goal = `${ours}: added time per chat-model call ≤ 1/5 of ${label}'s`;
      if (!row || !anchor) {
        goals.push({ goal, measured: !row ? `${ours} not measured` : `${label} not measured`, status: "not measured" });
        continue;
      }
      const limit = anchor.addedUs / 5;
      goals.push({
        goal,
        measured: `${fmt(row.addedUs, 1)} µs vs ${fmt(anchor.addedUs, 1)} µs: ${fmt(row.addedUs / anchor.addedUs, 3)}× (limit 0.2×, ${fmt(limit, 1)} µs); CPU ${fmt(row.addedCpuUs, 1)} vs ${fmt(anchor.addedCpuUs, 1)} µs`,
        status: row.addedUs <= limit ? "met" : "missed",
      });
    }
    const goal = `${ours}: added time per chat-model call ≤ 2× the no-op handler's`;
    if (!row || !noop) {
      goals.push({ goal, measured: !row ? `${ours} not measured` : "noop not measured", status: "not measured" });
    } else {
      goals.push({
        goal,
        measured: `${fmt(row.addedUs, 1)} µs vs ${fmt(noop.addedUs, 1)} µs: ${fmt(row.addedUs / noop.addedUs, 2)}× (limit 2×, ${fmt(2 * noop.addedUs, 1)} µs); CPU ${fmt(row.addedCpuUs, 1)} vs ${fmt(noop.addedCpuUs, 1)} µs`,
        status: row.addedUs <= 2 * noop.addedUs ? "met" : "missed",
      });
    }
  }
  return goals;
}

export function evaluateGoals(report: BenchReport): Goal[] {
  const goals = overheadGoals(report);
  const t = report.throughput;
  goals.push(
    t && Number.isFinite(t.ratio)
      ? {
          goal: `shipping throughput ≥ ${THROUGHPUT_GOAL_RATIO} × JSON.stringify's on the same records`,
          measured: `${fmt(t.exporterRecordsPerS, 0)} vs ${fmt(t.stringifyRecordsPerS, 0)} records/s (${fmt(t.ratio, 3)}×), ${t.deliveredAll ? "all delivered" : "NOT all delivered"}`,
          status: t.ratio >= THROUGHPUT_GOAL_RATIO && t.deliveredAll ? "met" : "missed",
        }
      : { goal: `shipping throughput ≥ ${THROUGHPUT_GOAL_RATIO} × JSON.stringify's`, measured: t?.error ?? "not run", status: "not measured" },
  );
  const lag = report.lag;
  goals.push(
    lag && Number.isFinite(lag.exporter.p99Ms)
      ? {
          goal: `event-loop lag p99 < ${LAG_P99_GOAL_MS} ms at ${lag.ratePerS} records/s of ~${Math.round(lag.recordBytes / 1024)} KB`,
          measured: `p99 ${fmt(lag.exporter.p99Ms, 2)} ms (p50 ${fmt(lag.exporter.p50Ms, 2)}; without shipping p99 ${fmt(lag.baseline.p99Ms, 2)} ms)`,
          status: lag.exporter.p99Ms < LAG_P99_GOAL_MS ? "met" : "missed",
        }
      : { goal: `event-loop lag p99 < ${LAG_P99_GOAL_MS} ms at 1,000 records/s`, measured: lag?.error ?? "not run", status: "not measured" },
  );
  const memory = report.memory;
  if (!memory || memory.scenarios.length === 0) {
    goals.push({ goal: "heap bounded (dead backend; never-ending runs)", measured: memory?.error ?? "not run", status: "not measured" });
  } else {
    for (const s of memory.scenarios) {
      goals.push({
        goal: `${s.tracer}: ${s.description}`,
        measured: s.error ?? s.verdict,
        status: s.error !== undefined ? "not measured" : s.bounded ? "met" : "missed",
      });
    }
  }
  return goals;
}

/** A plain-text table; the first column (and any listed in `left`) left-aligned, the rest right-aligned. */
function table(header: string[], rows: string[][], left: readonly number[] = [0]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function formatReport(report: BenchReport): string {
  const out: string[] = [];
  const m = report.machine;
  out.push(
    `langchain-llmops benchmarks — ${report.mode} run, ${report.rounds} round(s), Node ${m.node}, ${m.cpus} CPUs (${m.cpuModel}), load ${m.loadAverageAtStart.join(" ")} → ${(m.loadAverageAtEnd ?? []).join(" ")}`,
  );
  const o = report.overhead;
  if (o) {
    for (const w of o.workloads) {
      out.push("");
      out.push(`Per-call overhead: ${w.workload} (N=${w.nPerRound} per round after ${w.warmup} warm-up, ${w.rounds} round(s); µs per call)`);
      const rows = w.rows.map((r) =>
        r.available
          ? [r.tracer, fmt(r.meanUs, 2), fmt(r.p50Us, 2), fmt(r.p99Us, 2), fmt(r.cpuUs, 2), r.tracer === "none" ? "—" : fmt(r.addedUs, 2), `${fmt(r.ratioToNone, 2)}×`, r.roundsMeanUs.map((x) => fmt(x, 1)).join(" / ")]
          : [r.tracer, "unavailable", "", "", "", "", "", ""],
      );
      out.push(table(["tracer", "mean", "p50", "p99", "cpu", "added", "vs none", "mean per round"], rows));
      for (const r of w.rows) if (!r.available) out.push(`  ${r.tracer}: ${r.error ?? "no result"}`);
    }
    const sinkRows = Object.entries(o.sink)
      .filter(([tracer]) => tracer !== "none" && tracer !== "noop" && tracer !== "tracker")
      .map(([tracer, c]) => [tracer, String(c.requests), kb(c.bytes), c.records > 0 ? String(c.records) : "—", Object.keys(c.paths).join(" "), String(o.refusedConnections[tracer] ?? 0)]);
    if (sinkRows.length > 0) {
      out.push("");
      out.push("What the local sink received from each tracer (all rounds and workloads)");
      out.push(table(["tracer", "requests", "bytes", "runs received", "paths", "refused outside connections"], sinkRows));
      const counts = new Set(sinkRows.map((r) => r[3]));
      out.push(
        counts.size === 1
          ? "Every tracer delivered the same number of runs for the same calls."
          : "The tracers delivered different numbers of runs for the same calls (see runs received).",
      );
    }
  }
  if (o && Object.keys(o.output).length > 0) {
    out.push("");
    out.push("What the tracers printed during the overhead runs (distinct lines, with counts; all of them in the JSON)");
    for (const [tracer, lines] of Object.entries(o.output)) {
      for (const l of lines.slice(0, 3)) out.push(`  ${tracer}: ${l.count > 1 ? `(${l.count}×) ` : ""}${l.line.slice(0, 160)}`);
      if (lines.length > 3) out.push(`  ${tracer}: … ${lines.length - 3} more`);
    }
  }
  const t = report.throughput;
  if (t) {
    out.push("");
    if (t.error !== undefined) out.push(`Shipping throughput: not measured (${t.error})`);
    else {
      out.push(`Shipping throughput: ${t.records} records of ~${kb(t.recordBytes)} (${t.rounds} round(s), median records/s)`);
      out.push(
        table(
          ["path", "records/s", "MiB/s", "per round"],
          [
            ["JSON.stringify (batches of " + String(t.batchSize) + ")", fmt(t.stringifyRecordsPerS, 0), fmt((t.stringifyRecordsPerS * t.recordBytes) / 2 ** 20, 1), t.stringifyRounds.map((x) => fmt(x, 0)).join(" / ")],
            [`BatchExporter → HTTP → sink (${t.deliveredAll ? "all delivered" : "NOT all delivered"})`, fmt(t.exporterRecordsPerS, 0), fmt((t.exporterRecordsPerS * t.recordBytes) / 2 ** 20, 1), t.exporterRounds.map((x) => fmt(x, 0)).join(" / ")],
            ["ratio", fmt(t.ratio, 3), "", ""],
          ],
        ),
      );
    }
  }
  const lag = report.lag;
  if (lag) {
    out.push("");
    if (lag.error !== undefined) out.push(`Event-loop lag: not measured (${lag.error})`);
    else {
      out.push(`Event-loop lag (monitorEventLoopDelay, ${lag.resolutionMs} ms resolution) at ${lag.ratePerS} records/s of ~${kb(lag.recordBytes)}, ${lag.durationMs / 1000} s per round, ${lag.rounds} round(s); ms`);
      out.push(
        table(
          ["configuration", "p50", "p99", "max", "delivered"],
          [
            ["producer only (no shipping)", fmt(lag.baseline.p50Ms, 2), fmt(lag.baseline.p99Ms, 2), fmt(lag.baseline.maxMs, 2), "—"],
            ["producer + BatchExporter → sink", fmt(lag.exporter.p50Ms, 2), fmt(lag.exporter.p99Ms, 2), fmt(lag.exporter.maxMs, 2), `${lag.exporter.delivered}/${lag.exporter.produced}`],
          ],
        ),
      );
    }
  }
  const mem = report.memory;
  if (mem) {
    out.push("");
    if (mem.error !== undefined && mem.scenarios.length === 0) out.push(`Memory: not measured (${mem.error})`);
    else {
      out.push(`Memory: heapUsed after full GC, MiB (median over ${mem.rounds} round(s))`);
      out.push(
        table(
          ["scenario", "before", "at 10%", "at 50%", "at 100%", "late growth", "verdict"],
          mem.scenarios.map((s) =>
            s.error !== undefined
              ? [`${s.tracer} ${s.scenario}`, "error", "", "", "", "", s.error.slice(0, 70)]
              : [
                  `${s.tracer} ${s.scenario} (${s.runs} runs)`,
                  fmt(s.beforeMiB),
                  fmt(s.samples.find((x) => x.runs === s.runs / 10)?.heapMiB ?? NaN),
                  fmt(s.samples.find((x) => x.runs === s.runs / 2)?.heapMiB ?? NaN),
                  fmt(s.afterMiB),
                  fmt(s.lateGrowthMiB, 2),
                  s.bounded ? "bounded" : "GROWING",
                ],
          ),
        ),
      );
    }
  }
  if (report.goals) {
    out.push("");
    out.push("Goals (from the measurements above)");
    out.push(table(["goal", "status", "measured"], report.goals.map((g) => [g.goal, g.status.toUpperCase(), g.measured]), [0, 1, 2]));
  }
  out.push("");
  return out.join("\n");
}
