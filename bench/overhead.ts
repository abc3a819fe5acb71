/**
 * Per-call overhead, measured inside one child process for one tracer configuration: for each
 * workload, a warm-up (checked for the right answer), then N timed calls one after another.
 *
 * Three numbers per workload, because tracers do their work in different places:
 * - per-call wall time of `await workload()` (p50/p99): what the caller waits for;
 * - amortized time per call = (timed loop + LangChain's callback queue drain + the tracer's flush) / N:
 *   every microsecond the tracer spends, including work LangChain ran in the background after `invoke`
 *   returned and the shipping of the last batch. This is the "mean" the goals use;
 * - CPU per call (`process.cpuUsage`, all threads) over the same window.
 *
 * Between two calls the loop yields one event-loop turn (`setImmediate`), outside the per-call sample
 * but inside the amortized window. A real model call waits on the network, so timers and sockets run
 * between calls; a zero-latency fake resolves through microtasks only, and without the yield no tracer
 * could ship anything until the loop ended (ours would fill its queue and drop, LangSmith's and
 * Langfuse's batches would all wait for the final flush). The yield costs every configuration the same,
 * `none` included, so it cancels out of the added time.
 */
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { createWorkload, EXPECTED } from "./workloads.ts";
import type { WorkloadName } from "./workloads.ts";
import type { Tracer } from "./tracers.ts";

export interface OverheadJob {
  workload: WorkloadName;
  /** Timed calls. */
  n: number;
  /** Untimed calls before, to warm the JIT and the tracer's connections. */
  warmup: number;
}

export interface OverheadResult {
  workload: WorkloadName;
  n: number;
  /** Per-call wall times, microseconds. */
  samplesUs: number[];
  loopMs: number;
  /** LangChain's background callback queue, drained after the loop. */
  drainMs: number;
  /** The tracer's own flush after the drain (ships what is still queued). */
  flushMs: number;
  /** (loop + drain + flush) / n, microseconds. */
  amortizedUs: number;
  /** Process CPU (user + system, all threads) over loop + drain + flush, per call, microseconds. */
  cpuUs: number;
}

/** One turn of the event loop: timers, socket reads and writes that are ready get to run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

export async function measureOverhead(tracer: Tracer, job: OverheadJob): Promise<OverheadResult> {
  const run = createWorkload(job.workload);
  const callbacks = tracer.callbacks;
  const first = await run(callbacks);
  if (!first.includes(EXPECTED[job.workload])) {
    throw new Error(`workload ${job.workload} answered ${JSON.stringify(first.slice(0, 200))}, expected it to contain ${EXPECTED[job.workload]}`);
  }
  for (let i = 1; i < job.warmup; i += 1) {
    await run(callbacks);
    await yieldToEventLoop();
  }
  await awaitAllCallbacks();
  await tracer.flush();
  gc();

  const samples = new Float64Array(job.n);
  const cpuStart = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < job.n; i += 1) {
    const start = performance.now();
    await run(callbacks);
    samples[i] = (performance.now() - start) * 1000;
    await yieldToEventLoop();
  }
  const tLoop = performance.now();
  await awaitAllCallbacks();
  const tDrain = performance.now();
  await tracer.flush();
  const tFlush = performance.now();
  const cpu = process.cpuUsage(cpuStart);

  return {
    workload: job.workload,
    n: job.n,
    samplesUs: Array.from(samples),
    loopMs: tLoop - t0,
    drainMs: tDrain - tLoop,
    flushMs: tFlush - tDrain,
    amortizedUs: ((tFlush - t0) * 1000) / job.n,
    cpuUs: (cpu.user + cpu.system) / job.n,
  };
}
