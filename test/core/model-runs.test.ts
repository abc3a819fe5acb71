import { Document } from "@langchain/core/documents";
import { dispatchCustomEvent } from "@langchain/core/callbacks/dispatch";
import { RunnableLambda } from "@langchain/core/runnables";
import { FakeLLM } from "@langchain/core/utils/testing";
import { FakeRetriever } from "@langchain/core/utils/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ModelPayload } from "langchain-llmops";
import { startOpenAIServer } from "../support/openai-server.ts";
import type { OpenAIServer, Responder } from "../support/openai-server.ts";
import { RecordingHandler } from "../support/recording-handler.ts";
import { createTestChatModel } from "../support/seed-agent.ts";

let respond: Responder = () => ({ content: "ok" });
let server: OpenAIServer;

beforeAll(async () => {
  server = await startOpenAIServer({ respond: (body, index) => respond(body, index) });
});
afterAll(() => server.close());
afterEach(() => {
  respond = () => ({ content: "ok" });
});

function modelPayload(handler: RecordingHandler): ModelPayload {
  const records = handler.ofType("chat_model");
  expect(records).toHaveLength(1);
  const payload = records[0]!.payload;
  if (payload.kind !== "model") throw new Error(`expected a model payload, got ${payload.kind}`);
  return payload;
}

describe("chat model runs through a real ChatOpenAI", () => {
  it("records a plain invoke: messages, model, provider, usage, finish reason, ids and timing", async () => {
    respond = () => ({ content: "Paris.", usage: { prompt_tokens: 21, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 16 } } });
    const handler = new RecordingHandler();
    const before = Date.now();
    const answer = await createTestChatModel({ baseURL: server.baseURL }).invoke(
      [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "Capital of France?" },
      ],
      { callbacks: [handler], tags: ["geo"], metadata: { user: "u1" } },
    );
    expect(answer.content).toBe("Paris.");

    const [record] = handler.records;
    expect(handler.records).toHaveLength(1);
    expect(record).toMatchObject({
      runType: "chat_model",
      name: "ChatOpenAI",
      status: "success",
      depth: 0,
      tags: ["geo"],
      metadata: { user: "u1", ls_provider: "openai", ls_model_name: "gpt-4o-mini" },
    });
    expect(record!.parentRunId).toBeUndefined();
    expect(record!.externalParentRunId).toBeUndefined();
    expect(record!.traceId).toBe(record!.runId);
    expect(record!.rootRunId).toBe(record!.runId);
    expect(record!.startTime).toBeGreaterThanOrEqual(before - 1);
    expect(record!.endTime - record!.startTime).toBeCloseTo(record!.durationMs, 2);
    expect(Object.isFrozen(record)).toBe(true);
    expect(Object.isFrozen(record!.payload)).toBe(true);

    const payload = modelPayload(handler);
    expect(payload).toMatchObject({
      model: "gpt-4o-mini",
      provider: "openai",
      serializedId: ["langchain", "chat_models", "openai", "ChatOpenAI"],
      baseURL: server.baseURL,
      invocationParams: { model: "gpt-4o-mini", temperature: 0, stream: false },
      inputMessages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "Capital of France?" },
      ],
      outputMessages: [{ role: "assistant", content: "Paris." }],
      finishReason: "stop",
      streamed: false,
      responseId: "chatcmpl-test-1",
      usage: { promptTokens: 21, completionTokens: 2, totalTokens: 23, cachedPromptTokens: 16, estimated: false },
    });
    expect(payload.timeToFirstTokenMs).toBeUndefined();
    expect(handler.trackerStats()).toMatchObject({ openRuns: 0, runsStarted: 1, recordsProduced: 1, recordsDelivered: 1 });
  });

  it("records a .stream() call: time to first token, chunk count, usage from the final chunk", async () => {
    respond = () => ({
      content: "Hello there, streaming world",
      streamParts: 4,
      delayMs: 40,
      chunkDelayMs: 15,
      usage: { prompt_tokens: 12, completion_tokens: 6, completion_tokens_details: { reasoning_tokens: 2 } },
    });
    const handler = new RecordingHandler();
    const started = performance.now();
    let firstContentAt: number | undefined;
    let chunks = 0;
    let text = "";
    for await (const chunk of await createTestChatModel({ baseURL: server.baseURL }).stream("hi", { callbacks: [handler] })) {
      chunks += 1;
      if (typeof chunk.content === "string" && chunk.content !== "") {
        firstContentAt ??= performance.now() - started;
        text += chunk.content;
      }
    }
    const wall = performance.now() - started;
    expect(text).toBe("Hello there, streaming world");
    expect(server.requests.at(-1)?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    const payload = modelPayload(handler);
    expect(payload.streamed).toBe(true);
    expect(payload.chunkCount).toBe(chunks);
    expect(payload.outputMessages).toEqual([{ role: "assistant", content: "Hello there, streaming world" }]);
    expect(payload.usage).toEqual({
      promptTokens: 12,
      completionTokens: 6,
      totalTokens: 18,
      reasoningTokens: 2,
      outputTokenDetails: { reasoning: 2 },
      estimated: false,
    });
    // The role-only opening chunk arrives right after the 40 ms delay; the first text 15 ms later.
    const ttft = payload.timeToFirstTokenMs!;
    expect(ttft).toBeGreaterThanOrEqual(40 + 15 - 2);
    expect(ttft).toBeLessThanOrEqual(firstContentAt! + 2);
    expect(handler.records[0]!.durationMs).toBeGreaterThan(ttft);
    expect(handler.records[0]!.durationMs).toBeLessThanOrEqual(wall + 1);
  });

  it("counts a streamed tool-call delta as the first token", async () => {
    respond = () => ({ toolCalls: [{ id: "call_1", name: "lookup", arguments: { q: "x" } }], chunkDelayMs: 10, delayMs: 20 });
    const handler = new RecordingHandler();
    const model = createTestChatModel({ baseURL: server.baseURL }).bindTools([
      { type: "function", function: { name: "lookup", description: "Look up", parameters: { type: "object", properties: { q: { type: "string" } } } } },
    ]);
    for await (const _chunk of await model.stream("find x", { callbacks: [handler] })) {
      // consume
    }
    const payload = modelPayload(handler);
    expect(payload.outputMessages[0]).toMatchObject({ role: "assistant", toolCalls: [{ id: "call_1", name: "lookup", args: { q: "x" } }] });
    expect(payload.finishReason).toBe("tool_calls");
    expect(payload.timeToFirstTokenMs).toBeGreaterThanOrEqual(20 + 10 - 2);
    expect(payload.timeToFirstTokenMs).toBeLessThan(handler.records[0]!.durationMs);
  });

  it.each([
    { status: 429, type: "RateLimitError", code: "rate_limit_exceeded" },
    { status: 500, type: "InternalServerError", code: "internal_error" },
  ])("records an HTTP $status as an error run with the provider status", async ({ status, type, code }) => {
    respond = () => ({ status, headers: { "retry-after": "2" } });
    const handler = new RecordingHandler();
    await expect(createTestChatModel({ baseURL: server.baseURL }).invoke("hi", { callbacks: [handler] })).rejects.toMatchObject({ status });
    expect(handler.records).toHaveLength(1);
    const record = handler.records[0]!;
    expect(record.status).toBe("error");
    expect(record.error).toMatchObject({ type, status, code });
    expect(record.error!.message).toContain(String(status));
    expect(record.payload).toMatchObject({ kind: "model", model: "gpt-4o-mini", inputMessages: [{ role: "user", content: "hi" }], outputMessages: [] });
    expect(handler.trackerStats().openRuns).toBe(0);
  });

  it("never records a credential: apiKey, Authorization and Portkey keys in defaultHeaders", async () => {
    const handler = new RecordingHandler();
    const model = createTestChatModel({
      baseURL: `${server.baseURL}?api-key=PLANTED-QUERY`,
      apiKey: "sk-PLANTED-API-KEY",
      configuration: {
        defaultHeaders: { "x-portkey-api-key": "PLANTED-PORTKEY", Authorization: "Bearer PLANTED-BEARER", "x-portkey-provider": "openai" },
        defaultQuery: { key: "PLANTED-DEFAULT-QUERY" },
      },
    });
    await model.invoke("hi", { callbacks: [handler], metadata: { api_key: "PLANTED-META", session_token: "PLANTED-TOKEN", max_tokens: 5 } });
    // The keys really travelled through LangChain to the server...
    expect(server.requests.at(-1)?.headers["x-portkey-api-key"]).toBe("PLANTED-PORTKEY");
    // ...and never into a record.
    const json = JSON.stringify(handler.records);
    expect(json).not.toContain("PLANTED");
    const record = handler.records[0]!;
    expect(record.payload).toMatchObject({ headerNames: ["x-portkey-api-key", "authorization", "x-portkey-provider"] });
    expect((record.payload as ModelPayload).baseURL).toBe(server.baseURL);
    expect(record.metadata).toMatchObject({ api_key: "[redacted]", session_token: "[redacted]", max_tokens: 5 });
  });
});

describe("other run types", () => {
  it("records a text LLM run from handleLLMStart with its prompts", async () => {
    const handler = new RecordingHandler();
    await new FakeLLM({}).invoke("echo me", { callbacks: [handler] });
    expect(handler.records).toHaveLength(1);
    expect(handler.records[0]).toMatchObject({
      runType: "llm",
      name: "FakeLLM",
      payload: { kind: "model", prompts: ["echo me"], outputMessages: [{ role: "assistant", content: "echo me" }] },
    });
  });

  it("records retriever runs with query and documents, and custom events on the run they name", async () => {
    const handler = new RecordingHandler();
    const retriever = new FakeRetriever({ output: [new Document({ pageContent: "doc one", metadata: { source: "a.md" }, id: "d1" })] });
    const chain = RunnableLambda.from(async (question: string) => {
      await dispatchCustomEvent("progress", { step: 1, note: "retrieving" });
      const docs = await retriever.invoke(question);
      return docs.map((doc) => doc.pageContent).join("\n");
    }).withConfig({ runName: "qa" });
    await chain.invoke("what is one?", { callbacks: [handler] });

    const qa = handler.byName("qa");
    const retrieverRun = handler.ofType("retriever")[0]!;
    expect(retrieverRun).toMatchObject({
      parentRunId: qa.runId,
      traceId: qa.runId,
      depth: 1,
      payload: { kind: "retriever", query: "what is one?", documents: [{ pageContent: "doc one", metadata: { source: "a.md" }, id: "d1" }] },
    });
    expect(qa.payload).toMatchObject({ kind: "chain", inputs: { input: "what is one?" }, outputs: { output: "doc one" } });
    expect(qa.events).toEqual([{ name: "progress", data: { step: 1, note: "retrieving" }, time: expect.any(Number) as unknown }]);
    expect(qa.events![0]!.time).toBeGreaterThanOrEqual(qa.startTime);
    expect(qa.events![0]!.time).toBeLessThanOrEqual(qa.endTime);
  });

  it("records legacy AgentExecutor steps (handleAgentAction/handleAgentEnd) on the agent's chain run", () => {
    // @langchain/classic is not installed: the events are sent in the shapes AgentExecutor passes.
    const handler = new RecordingHandler();
    handler.handleChainStart({ id: ["langchain", "agents", "AgentExecutor"] }, { input: "3^5?" }, "agent-1", undefined, [], {});
    handler.handleAgentAction({ tool: "exponentiate", toolInput: { base: 3, exponent: 5 }, log: "I should exponentiate" }, "agent-1");
    handler.handleAgentAction({ tool: "multiply", toolInput: "243 36", log: "Now multiply" }, "agent-1");
    handler.handleAgentEnd({ returnValues: { output: "8748" }, log: "Final Answer: 8748" }, "agent-1");
    handler.handleChainEnd({ output: "8748" }, "agent-1");
    const record = handler.byName("AgentExecutor");
    expect(record.payload).toEqual({
      kind: "chain",
      inputs: { input: "3^5?" },
      outputs: { output: "8748" },
      agentActions: [
        { tool: "exponentiate", toolInput: { base: 3, exponent: 5 }, log: "I should exponentiate", time: expect.any(Number) as unknown },
        { tool: "multiply", toolInput: "243 36", log: "Now multiply", time: expect.any(Number) as unknown },
      ],
      agentFinish: { returnValues: { output: "8748" }, log: "Final Answer: 8748" },
    });
    if (record.payload.kind !== "chain") throw new Error("expected a chain payload");
    const [first, second] = record.payload.agentActions!;
    expect(first!.time).toBeGreaterThanOrEqual(record.startTime);
    expect(second!.time).toBeGreaterThanOrEqual(first!.time);
    expect(second!.time).toBeLessThanOrEqual(record.endTime);
  });

  it("records a failing chain with the error type and message, and no outputs", async () => {
    const handler = new RecordingHandler();
    const failing = RunnableLambda.from((): string => {
      throw new TypeError("bad input shape");
    }).withConfig({ runName: "explode" });
    await expect(failing.invoke("x", { callbacks: [handler] })).rejects.toThrow("bad input shape");
    expect(handler.byName("explode")).toMatchObject({ status: "error", error: { type: "TypeError", message: "bad input shape" }, payload: { kind: "chain", inputs: { input: "x" } } });
    expect(handler.byName("explode").payload).not.toHaveProperty("outputs");
  });
});
