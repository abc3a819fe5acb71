/**
 * Memory, child side, one of our handlers with its default options (default caps):
 * - `dead-backend`: `runs` real chat-model calls (`model.invoke` with the handler in the config) while
 *   the backend refuses every connection (a port that was just closed). The queue must stop growing at
 *   its caps and drop-and-count past them.
 * - `never-ending`: `runs` chat-model runs that start and never end (LangChain's `handleChatModelStart`
 *   called as the callback manager calls it, fresh run ids, never an end event) against a live sink.
 *   The run tracker must evict past its open-run limit.
 * Heap is sampled (`heapUsed` after two full GCs) before the first run and every `runs / 10` runs.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { FakeChatModel } from "./fake-chat-model.ts";
import { yieldToEventLoop } from "./overhead.ts";
import { createTracer } from "./tracers.ts";
import type { TracerName } from "./tracers.ts";

export type MemoryScenario = "dead-backend" | "never-ending";

export interface MemoryJob {
  scenario: MemoryScenario;
  tracer: TracerName;
  runs: number;
}

export interface MemorySample {
  runs: number;
  heapMiB: number;
  externalMiB: number;
}

export interface MemoryResult {
  scenario: MemoryScenario;
  tracer: TracerName;
  runs: number;
  samples: MemorySample[];
  elapsedMs: number;
  /** The handler's `stats()` at the end (queue, drops, evictions). */
  handlerStats: unknown;
}

function sample(runs: number): MemorySample {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run with --expose-gc");
  collect();
  collect();
  const usage = process.memoryUsage();
  return { runs, heapMiB: usage.heapUsed / 2 ** 20, externalMiB: usage.external / 2 ** 20 };
}

/** An origin nothing listens on: a port bound on 127.0.0.1 and closed again (connections are refused). */
async function deadOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export async function measureMemory(job: MemoryJob, base: string): Promise<MemoryResult> {
  const every = Math.max(1, Math.floor(job.runs / 10));
  const model = new FakeChatModel({});
  const messages = [new SystemMessage("You are a helpful assistant."), new HumanMessage("What is the capital of France?")];
  const samples: MemorySample[] = [];
  const started = performance.now();

  if (job.scenario === "dead-backend") {
    const tracer = await createTracer(job.tracer, `${await deadOrigin()}/dead`);
    const callbacks = tracer.callbacks;
    for (let i = 0; i < 100; i += 1) await model.invoke(messages, { callbacks }); // warm-up: code loaded, JIT warm
    samples.push(sample(0));
    for (let i = 1; i <= job.runs; i += 1) {
      await model.invoke(messages, { callbacks });
      await yieldToEventLoop(); // as a real call would: the exporter's timers and retries get to run
      if (i % every === 0) samples.push(sample(i));
    }
    // no shutdown: with the backend down it would wait shutdownTimeoutMs for nothing; the process exits
    return { scenario: job.scenario, tracer: job.tracer, runs: job.runs, samples, elapsedMs: performance.now() - started, handlerStats: tracer.stats() };
  }

  const tracer = await createTracer(job.tracer, base);
  const handler = tracer.callbacks![0]!;
  const serialized = model.toJSON();
  const extraParams = { invocation_params: model.invocationParams() };
  const metadata = { ls_provider: "fake", ls_model_name: "gpt-4o-mini", ls_model_type: "chat", ls_temperature: 0 };
  const start = (): void => {
    void handler.handleChatModelStart?.(serialized, [messages], randomUUID(), undefined, extraParams, [], metadata, "FakeChatModel");
  };
  for (let i = 0; i < 100; i += 1) start();
  samples.push(sample(0));
  for (let i = 1; i <= job.runs; i += 1) {
    start();
    if (i % 1000 === 0) await yieldToEventLoop(); // let the tracker's timers run, as in a live process
    if (i % every === 0) samples.push(sample(i));
  }
  const handlerStats = tracer.stats();
  await tracer.shutdown();
  return { scenario: job.scenario, tracer: job.tracer, runs: job.runs, samples, elapsedMs: performance.now() - started, handlerStats };
}
