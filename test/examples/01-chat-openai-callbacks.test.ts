import { afterEach, expect, it } from "vitest";
import { main } from "../../examples/01-chat-openai-callbacks.ts";
import { startBackends } from "../../examples/local-backends.ts";
import type { StartedBackends } from "../../examples/local-backends.ts";

let backends: StartedBackends | undefined;
afterEach(async () => {
  await backends?.close();
  backends = undefined;
});

it("example 1: both handlers on ChatOpenAI log an invoke and a stream, pl_tags and request ids included", async () => {
  backends = await startBackends({});
  const result = await main(backends, () => undefined);

  expect(result.answer).toBe("Why did the scarecrow win an award? Because he was outstanding in his field.");
  expect(result.streamedAnswer).toBe("42.");
  expect(result.streamedChunks).toBeGreaterThan(1);

  // Portkey: one log per model call, both in the handler's fixed trace, each a root.
  const logs = backends.portkeyServer!.logs;
  expect(logs).toHaveLength(2);
  expect(logs.map((log) => log.trace_id)).toEqual([result.traceId, result.traceId]);
  expect(logs.every((log) => log.parent_span_id === undefined && log.request.url.endsWith("/chat/completions"))).toBe(true);
  const [invoked, streamed] = [...logs].sort((a, b) => a.start_time - b.start_time);
  expect(invoked!.response.streamingMode).toBe(false);
  expect((invoked!.request.body.messages as unknown[]).length).toBe(2);
  expect(streamed!.response.streamingMode).toBe(true);
  expect((streamed!.response.body as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("42.");

  // PromptLayer: one request log each, tagged, and pl_id_callback got exactly the ids the server gave.
  const requestLogs = backends.promptLayerServer!.requestLogs;
  expect(requestLogs).toHaveLength(2);
  expect(requestLogs.every((log) => (log.body.tags as string[]).includes("chatopenai"))).toBe(true);
  expect([...result.requestIds].sort()).toEqual(requestLogs.map((log) => log.id).sort());
});
