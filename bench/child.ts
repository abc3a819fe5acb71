/**
 * One measured process. The parent (`run.ts`) forks it with `--expose-gc`, sends one job over IPC and
 * waits for one answer; each configuration therefore runs in a fresh V8 with nothing else loaded
 * differently. The net guard is installed first: nothing traced here may leave the machine.
 */
import { measureLag } from "./event-loop-lag.ts";
import type { LagJob, LagResult } from "./event-loop-lag.ts";
import { measureMemory } from "./memory.ts";
import type { MemoryJob, MemoryResult } from "./memory.ts";
import { installNetGuard, refusedConnections } from "./net-guard.ts";
import { measureOverhead } from "./overhead.ts";
import type { OverheadJob, OverheadResult } from "./overhead.ts";
import { measureThroughput } from "./throughput.ts";
import type { ThroughputJob, ThroughputResult } from "./throughput.ts";
import { createTracer } from "./tracers.ts";
import type { TracerName } from "./tracers.ts";

installNetGuard();

export interface OverheadChildJob {
  kind: "overhead";
  tracer: TracerName;
  /** Sink origin plus this child's prefix. */
  base: string;
  jobs: OverheadJob[];
}

export type ChildJob =
  | OverheadChildJob
  | { kind: "throughput"; base: string; job: ThroughputJob }
  | { kind: "lag"; base: string; job: LagJob }
  | { kind: "memory"; base: string; job: MemoryJob };

export interface ChildAnswerBase {
  /** Connections to non-loopback hosts the guard refused (must be 0). */
  refused: { count: number; hosts: string[] };
  /** The tracer's own counters after the run (ours: `stats()`). */
  tracerStats?: unknown;
}

export type ChildAnswer =
  | (ChildAnswerBase & { ok: true; kind: "overhead"; tracer: TracerName; results: OverheadResult[] })
  | (ChildAnswerBase & { ok: true; kind: "throughput"; result: ThroughputResult })
  | (ChildAnswerBase & { ok: true; kind: "lag"; result: LagResult })
  | (ChildAnswerBase & { ok: true; kind: "memory"; result: MemoryResult })
  | (ChildAnswerBase & { ok: false; error: string });

async function runOverhead(job: OverheadChildJob): Promise<ChildAnswer> {
  const tracer = await createTracer(job.tracer, job.base);
  const results: OverheadResult[] = [];
  for (const one of job.jobs) results.push(await measureOverhead(tracer, one));
  await tracer.shutdown();
  return { ok: true, kind: "overhead", tracer: job.tracer, results, refused: refusedConnections(), tracerStats: tracer.stats() };
}

async function runJob(job: ChildJob): Promise<ChildAnswer> {
  switch (job.kind) {
    case "overhead":
      return runOverhead(job);
    case "throughput":
      return { ok: true, kind: "throughput", result: await measureThroughput(job.job, job.base), refused: refusedConnections() };
    case "lag":
      return { ok: true, kind: "lag", result: await measureLag(job.job, job.base), refused: refusedConnections() };
    case "memory":
      return { ok: true, kind: "memory", result: await measureMemory(job.job, job.base), refused: refusedConnections() };
  }
}

function reply(answer: ChildAnswer): void {
  // exit only once the parent has the answer; a tracer's leftover timers must not keep us alive
  process.send!(answer, () => process.exit(0));
}

process.once("message", (job: ChildJob) => {
  runJob(job).then(reply, (error: unknown) => {
    reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error), refused: refusedConnections() });
  });
});
