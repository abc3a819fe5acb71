import { setTimeout as sleep } from "node:timers/promises";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startOpenAIServer } from "../support/openai-server.ts";
import type { OpenAIServer } from "../support/openai-server.ts";
import { RecordingHandler } from "../support/recording-handler.ts";
import { createTestChatModel } from "../support/seed-agent.ts";

const SERVER_DELAY_MS = 200;

/** A backgrounded handler (LangChain's default) that is slow and measures with its own clock, as naive tracers do. */
class SlowSibling extends BaseCallbackHandler {
  name = "slow-sibling";
  readonly measured: number[] = [];
  #startedAt = 0;

  constructor() {
    super({ _awaitHandler: false });
    this.awaitHandlers = false;
  }

  override async handleChatModelStart(): Promise<void> {
    this.#startedAt = performance.now();
    await sleep(300); // e.g. a synchronous network call per event
  }

  override async handleLLMEnd(): Promise<void> {
    this.measured.push(performance.now() - this.#startedAt);
    await sleep(50);
  }
}

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer({ respond: () => ({ content: "slow answer", delayMs: SERVER_DELAY_MS }) });
});
afterAll(async () => {
  await awaitAllCallbacks();
  await server.close();
});

it("records the model latency correctly while a slow backgrounded sibling handler lags behind", async () => {
  const ours = new RecordingHandler();
  const sibling = new SlowSibling();
  const model = createTestChatModel({ baseURL: server.baseURL });
  // Warm-up: client creation, the first connection and first-use module loading are not what this test measures.
  await model.invoke("warm-up", { callbacks: [new SlowSibling(), new RecordingHandler()] });
  await awaitAllCallbacks();
  const walls: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await model.invoke(`call ${i}`, { callbacks: [sibling, ours] });
    walls.push(performance.now() - started);
  }
  // Ours ran inline: both records exist as soon as invoke returned.
  expect(ours.records).toHaveLength(5);
  await awaitAllCallbacks();

  // Every call: at least the server's delay and never more than the caller waited. The 15 % bound is
  // asserted on the median of the calls, so a one-off scheduling hiccup of this shared 2-core machine
  // (real latency, which the caller saw too) cannot fail it; a distorted clock would be off by >= 100 ms.
  const durations = ours.records.map((record) => record.durationMs);
  durations.forEach((duration, i) => {
    expect(duration).toBeGreaterThanOrEqual(SERVER_DELAY_MS);
    expect(duration).toBeLessThanOrEqual(walls[i]!);
  });
  const median = [...durations].sort((a, b) => a - b)[2]!;
  expect(median).toBeLessThanOrEqual(SERVER_DELAY_MS * 1.15);
  // The setup really distorts a backgrounded clock: the sibling saw the call as >= 300 ms.
  expect(sibling.measured).toHaveLength(5);
  expect(Math.min(...sibling.measured)).toBeGreaterThanOrEqual(290);
});
