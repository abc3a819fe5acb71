/**
 * `npm run bench` — measures our handlers against the alternatives in one run on one machine and
 * prints a table (with each goal marked met/missed from the measurement) plus a JSON file in
 * `bench/results/`. See bench/README.md for how to read it.
 *
 *   npm run bench                      full run (a few minutes)
 *   npm run bench -- --quick           smoke run (N=200, 1 round)
 *   npm run bench -- --only=overhead,memory --rounds=5 --tracers=none,noop,portkey
 *   npm run bench -- --quick --profile      also writes a CPU profile per child (bench/results/profiles/)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { setProfileDir } from "./fork-child.ts";
import { evaluateGoals, formatReport } from "./report.ts";
import type { BenchReport } from "./report.ts";
import { runOverheadSuite } from "./overhead-suite.ts";
import { runShippingSuites } from "./shipping-suite.ts";
import { startSinkServer } from "./sink-server.ts";
import { ALL_TRACERS, TRACERS } from "./tracers.ts";
import type { TracerName } from "./tracers.ts";
import type { OverheadJob } from "./overhead.ts";

type Suite = "overhead" | "throughput" | "lag" | "memory";
const SUITES: readonly Suite[] = ["overhead", "throughput", "lag", "memory"];

interface Args {
  quick: boolean;
  /** Write a V8 CPU profile of every child to bench/results/profiles/. */
  profile: boolean;
  only: Suite[];
  rounds: number;
  tracers: TracerName[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, profile: false, only: [...SUITES], rounds: 3, tracers: [...TRACERS] };
  let roundsGiven = false;
  for (const arg of argv) {
    const [key, value] = arg.split("=", 2) as [string, string | undefined];
    if (key === "--quick") args.quick = true;
    else if (key === "--profile") args.profile = true;
    else if (key === "--only" && value) {
      args.only = value.split(",").map((s) => {
        if (!SUITES.includes(s as Suite)) throw new Error(`--only: unknown suite "${s}" (one of ${SUITES.join(", ")})`);
        return s as Suite;
      });
    } else if (key === "--rounds" && value) {
      args.rounds = Number(value);
      roundsGiven = true;
      if (!Number.isInteger(args.rounds) || args.rounds < 1) throw new Error(`--rounds: expected a positive integer, got "${value}"`);
    } else if (key === "--tracers" && value) {
      args.tracers = value.split(",").map((s) => {
        if (!ALL_TRACERS.includes(s as TracerName)) throw new Error(`--tracers: unknown tracer "${s}" (one of ${ALL_TRACERS.join(", ")})`);
        return s as TracerName;
      });
      if (!args.tracers.includes("none")) args.tracers.unshift("none");
    } else throw new Error(`unknown argument "${arg}" (try --quick, --only=, --rounds=, --tracers=, --profile)`);
  }
  if (args.quick && !roundsGiven) args.rounds = 1;
  return args;
}

function overheadJobs(quick: boolean): OverheadJob[] {
  if (quick) {
    return [
      { workload: "invoke", n: 200, warmup: 50 },
      { workload: "chain", n: 200, warmup: 50 },
      { workload: "agent", n: 20, warmup: 5 },
    ];
  }
  // The goals are about one chat-model call (`invoke`, N = 5,000). The chain (4 runs per call) and the
  // agent (4 model calls + 3 tool calls per run) take fewer calls: at 5,000 each, LangChainTracer's
  // child alone would take minutes per round.
  return [
    { workload: "invoke", n: 5000, warmup: 500 },
    { workload: "chain", n: 2000, warmup: 200 },
    { workload: "agent", n: 100, warmup: 10 },
  ];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const started = new Date();
  if (args.profile) {
    const dir = new URL("./results/profiles/", import.meta.url);
    mkdirSync(dir, { recursive: true });
    setProfileDir(dir.pathname);
    log(`CPU profiles: ${dir.pathname}`);
  }
  const sink = await startSinkServer();
  let prefixCounter = 0;
  const nextPrefix = (): string => `c${(prefixCounter += 1)}`;
  const report: BenchReport = {
    startedAt: started.toISOString(),
    mode: args.quick ? "quick" : "full",
    machine: {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
      totalMemoryMiB: Math.round(os.totalmem() / 2 ** 20),
    },
    rounds: args.rounds,
  };
  try {
    if (args.only.includes("overhead")) {
      log(`overhead: ${args.rounds} round(s) × ${args.tracers.length} tracers, one child each`);
      report.overhead = await runOverheadSuite({ rounds: args.rounds, tracers: args.tracers, jobs: overheadJobs(args.quick) }, sink, log, nextPrefix);
    }
    const shipping = args.only.filter((s): s is "throughput" | "lag" | "memory" => s !== "overhead");
    if (shipping.length > 0) {
      Object.assign(report, await runShippingSuites({ suites: shipping, rounds: args.rounds, quick: args.quick }, sink, log, nextPrefix));
    }
  } finally {
    await sink.close();
  }
  report.finishedAt = new Date().toISOString();
  report.machine.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  report.goals = evaluateGoals(report);

  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`bench-${started.toISOString().replaceAll(":", "-").replace(/\..*/, "")}${args.quick ? "-quick" : ""}.json`, dir);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(new URL(`latest${args.quick ? "-quick" : ""}.json`, dir), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(formatReport(report));
  process.stdout.write(`\nJSON: ${file.pathname}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
