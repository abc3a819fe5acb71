import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigError, ValidationError } from "langchain-llmops";
import type { ExportError } from "langchain-llmops";
import { PortkeyCallbackHandler } from "../../src/portkey/portkey-callback-handler.ts";
import { ChatOpenAI } from "@langchain/openai";
import { RunnableLambda } from "@langchain/core/runnables";
import { createAgent } from "langchain";
import { PORTKEY_GATEWAY_URL, createPortkeyHeaders } from "../../src/portkey/portkey-headers.ts";
import type { PortkeyLog } from "../../src/portkey/portkey-log.ts";
import { startPortkeyServer, type PortkeyServer } from "../support/portkey-server.ts";
import { queueResponder, startOpenAIServer, type OpenAIServer } from "../support/openai-server.ts";
import {
  SEED_ANSWER,
  SEED_MODEL,
  SEED_MODEL_CALLS,
  SEED_STEPS,
  SEED_TOOL_CALLS,
  SEED_USAGE,
  createSeedAgent,
  createTestChatModel,
  exponentiate,
  multiply,
  seedInput,
  seedResponder,
} from "../support/seed-agent.ts";

const API_KEY = "pk-test-handler";
let openai: OpenAIServer;
let portkey: PortkeyServer;
const handlers: PortkeyCallbackHandler[] = [];

beforeAll(async () => {
  openai = await startOpenAIServer({ respond: seedResponder });
});
afterAll(async () => {
  await openai.close();
});
beforeEach(async () => {
  vi.stubEnv("PORTKEY_API_KEY", "");
  vi.stubEnv("PORTKEY_BASE_URL", "");
  portkey = await startPortkeyServer({ apiKey: API_KEY });
});
afterEach(async () => {
  await Promise.all(handlers.splice(0).map((handler) => handler.shutdown()));
  await portkey.close();
  vi.unstubAllEnvs();
});

function createHandler(options: ConstructorParameters<typeof PortkeyCallbackHandler>[0] = {}): PortkeyCallbackHandler {
  const handler = new PortkeyCallbackHandler({ apiKey: API_KEY, baseURL: portkey.baseURL, ...options });
  handlers.push(handler);
  return handler;
}

const isModel = (log: PortkeyLog) => log.request.url.endsWith("/chat/completions");
const isTool = (log: PortkeyLog) => log.request.url.startsWith("langchain://tool/");

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

function finalText(result: { messages: Array<{ content: unknown }> }): string {
  return String(result.messages.at(-1)?.content);
}

describe("PortkeyCallbackHandler with the seed agent", () => {
  it("sends one trace: linked spans, real usage on model logs, tool input and output on tool logs", async () => {
    const handler = createHandler({ metadata: { _user: "u-42", _environment: "test" } });
    const agent = createSeedAgent({ baseURL: openai.baseURL });
    const result = await agent.invoke(seedInput(), { callbacks: [handler], metadata: { traceId: "req-123" } });
    expect(finalText(result)).toContain(String(SEED_ANSWER));
    await handler.flush();

    const logs = portkey.logs;
    expect(logs.every((log) => log.trace_id === "req-123" && log.metadata.traceId === "req-123")).toBe(true);
    const spanIds = new Set(logs.map((log) => log.span_id));
    expect(spanIds.size).toBe(logs.length);

    const roots = logs.filter((log) => log.parent_span_id === undefined);
    expect(roots).toHaveLength(1);
    expect(roots[0]!.span_name).toBe("LangGraph");
    expect(roots[0]!.metadata.parentSpanId).toBeUndefined();
    for (const log of logs) {
      if (log === roots[0]) continue;
      expect(spanIds.has(log.parent_span_id!)).toBe(true);
      expect(log.metadata.parentSpanId).toBe(log.parent_span_id);
      expect(log.metadata.spanId).toBe(log.span_id);
      expect(log.metadata.spanName).toBe(log.span_name);
      expect(log.metadata._user).toBe("u-42");
      expect(log.metadata._source).toBe("langchain-llmops");
    }

    // Model logs, in call order, carry exactly the usage the model server returned.
    const models = logs.filter(isModel).sort((a, b) => a.start_time - b.start_time);
    expect(models).toHaveLength(SEED_MODEL_CALLS);
    models.forEach((log, index) => {
      const body = log.response.body as { model: string; usage: Record<string, unknown>; choices: Array<{ finish_reason: string; message: { tool_calls?: unknown[] } }> };
      const served = SEED_USAGE[index]!;
      expect(body.usage.prompt_tokens).toBe(served.prompt_tokens);
      expect(body.usage.completion_tokens).toBe(served.completion_tokens);
      expect(body.usage.total_tokens).toBe(served.prompt_tokens + served.completion_tokens);
      expect(body.model).toBe(SEED_MODEL);
      expect(log.request.provider).toBe("openai");
      expect(log.request.body.model).toBe(SEED_MODEL);
      expect(Number.isInteger(log.response.response_time)).toBe(true);
      expect(body.choices[0]!.finish_reason).toBe(index < SEED_STEPS.length ? "tool_calls" : "stop");
    });
    const firstUsage = (models[2]!.response.body as { usage: { prompt_tokens_details?: unknown } }).usage;
    expect(firstUsage.prompt_tokens_details).toEqual({ cached_tokens: 128 });
    // Tool calls go out in the response and come back, answered, in the next request.
    const call = (models[0]!.response.body as { choices: Array<{ message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> } }> }).choices[0]!.message.tool_calls[0]!;
    expect(call.function.name).toBe("exponentiate");
    expect(JSON.parse(call.function.arguments)).toEqual({ base: 3, exponent: 5 });
    const nextMessages = models[1]!.request.body.messages as Array<{ role: string; tool_call_id?: string; tool_calls?: Array<{ id: string }> }>;
    expect(nextMessages.find((message) => message.role === "assistant")?.tool_calls?.[0]?.id).toBe(call.id);
    expect(nextMessages.find((message) => message.role === "tool")?.tool_call_id).toBe(call.id);

    const tools = logs.filter(isTool).sort((a, b) => a.start_time - b.start_time);
    expect(tools).toHaveLength(SEED_TOOL_CALLS);
    tools.forEach((log, index) => {
      const step = SEED_STEPS[index]!;
      expect(log.span_name).toBe(step.tool);
      expect(log.request.body.input).toEqual(step.args);
      expect(JSON.stringify(log.response.body.output)).toContain(String(step.result));
      expect(typeof log.request.body.tool_call_id).toBe("string");
    });
    // Every tool span answers a tool call a model span made.
    const callIds = new Set(models.flatMap((log) => (log.response.body as { choices: Array<{ message: { tool_calls?: Array<{ id: string }> } }> }).choices[0]!.message.tool_calls?.map((c) => c.id) ?? []));
    for (const log of tools) expect(callIds.has(log.request.body.tool_call_id as string)).toBe(true);

    // Delivered in batches: JSON arrays with the key.
    for (const request of portkey.requestsTo("/v1/logs")) {
      expect(request.status).toBe(200);
      expect(Array.isArray(request.body)).toBe(true);
      expect(request.headers["x-portkey-api-key"]).toBe(API_KEY);
    }
  });

  it("takes the trace id from config.metadata (traceId or trace_id), the traceId option, else the root run", async () => {
    const agent = createSeedAgent({ baseURL: openai.baseURL });
    const handler = createHandler();
    await agent.invoke(seedInput(), { callbacks: [handler], metadata: { trace_id: "snake-1" } });
    await handler.flush();
    expect(new Set(portkey.logs.map((log) => log.trace_id))).toEqual(new Set(["snake-1"]));

    portkey.logs.length = 0;
    const fixed = createHandler({ traceId: "fixed-7" });
    await agent.invoke(seedInput(), { callbacks: [fixed] });
    await agent.invoke(seedInput(), { callbacks: [fixed], metadata: { traceId: "wins-8" } });
    await fixed.flush();
    const byTrace = groupBy(portkey.logs, (log) => log.trace_id);
    expect([...byTrace.keys()].sort()).toEqual(["fixed-7", "wins-8"]);
    expect(byTrace.get("fixed-7")!.length).toBe(byTrace.get("wins-8")!.length);

    portkey.logs.length = 0;
    await agent.invoke(seedInput(), { callbacks: [handler] });
    await handler.flush();
    const root = portkey.logs.find((log) => log.parent_span_id === undefined)!;
    expect(portkey.logs.every((log) => log.trace_id === root.span_id)).toBe(true);
  });

  it("batches 50 parallel invocations into few requests, every log exactly once", async () => {
    const handler = createHandler({ flushIntervalMs: 60_000 });
    const agent = createSeedAgent({ baseURL: openai.baseURL });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => agent.invoke(seedInput(), { callbacks: [handler], metadata: { traceId: `par-${i}` } })),
    );
    expect(results.every((result) => finalText(result).includes(String(SEED_ANSWER)))).toBe(true);
    await handler.flush();

    const logs = portkey.logs;
    const perTrace = groupBy(logs, (log) => log.trace_id);
    expect(perTrace.size).toBe(50);
    const sizes = new Set([...perTrace.values()].map((group) => group.length));
    expect(sizes.size).toBe(1); // every invocation sent the same number of spans
    const [perRun] = [...sizes];
    expect(logs).toHaveLength(50 * perRun!);
    expect(new Set(logs.map((log) => log.span_id)).size).toBe(logs.length);
    for (const group of perTrace.values()) {
      expect(group.filter(isModel)).toHaveLength(SEED_MODEL_CALLS);
      expect(group.filter(isTool)).toHaveLength(SEED_TOOL_CALLS);
      const ids = new Set(group.map((log) => log.span_id));
      expect(group.filter((log) => log.parent_span_id === undefined)).toHaveLength(1);
      for (const log of group) if (log.parent_span_id !== undefined) expect(ids.has(log.parent_span_id)).toBe(true);
    }
    const requests = portkey.requestsTo("/v1/logs");
    expect(requests.length).toBeLessThanOrEqual(Math.ceil(logs.length / 100) + 1);
    expect(requests.every((request) => request.status === 200)).toBe(true);
    expect(handler.stats()).toMatchObject({
      export: { enqueued: logs.length, sent: logs.length, failed: 0, dropped: { queueFull: 0 } },
      tracking: { openRuns: 0, recordsProduced: logs.length },
    });
  });
});

describe("PortkeyCallbackHandler on a model's constructor", () => {
  it("makes each model call a root, and the traceId option keeps them in one trace", async () => {
    const handler = createHandler({ traceId: "ctor-trace" });
    const agent = createSeedAgent({ baseURL: openai.baseURL, callbacks: [handler] });
    await agent.invoke(seedInput());
    await handler.flush();
    expect(portkey.logs).toHaveLength(SEED_MODEL_CALLS);
    expect(portkey.logs.every(isModel)).toBe(true);
    expect(portkey.logs.every((log) => log.parent_span_id === undefined && log.trace_id === "ctor-trace")).toBe(true);
  });
});

describe("PortkeyCallbackHandler in serverless mode", () => {
  it("sends a trace when its root run ends, without a timer or an explicit flush", async () => {
    const handler = createHandler({ serverless: true, flushIntervalMs: 3_600_000 });
    await createSeedAgent({ baseURL: openai.baseURL }).invoke(seedInput(), { callbacks: [handler], metadata: { traceId: "lambda-1" } });
    await vi.waitFor(() => expect(portkey.logs.find((log) => log.parent_span_id === undefined)).toBeDefined(), { timeout: 2000, interval: 10 });
    expect(portkey.logs.filter(isModel)).toHaveLength(SEED_MODEL_CALLS);
    expect(portkey.requestsTo("/v1/logs")).toHaveLength(1);
  });
});

describe("PortkeyCallbackHandler payload hygiene", () => {
  it("never sends a key planted in the model's apiKey or defaultHeaders", async () => {
    const handler = createHandler();
    const planted = "sk-planted-7f3a9c0d1e2b";
    const agent = createSeedAgent({
      baseURL: openai.baseURL,
      apiKey: `${planted}-api`,
      configuration: { defaultHeaders: { "x-custom-auth": `${planted}-header`, Authorization: `Bearer ${planted}-bearer` } },
    });
    await agent.invoke(seedInput(), { callbacks: [handler], metadata: { traceId: "hygiene" } });
    await handler.flush();
    expect(portkey.logs.filter(isModel)).toHaveLength(SEED_MODEL_CALLS);
    const requests = portkey.requests;
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect(request.raw.toString("utf8")).not.toContain(planted);
      expect(JSON.stringify(request.headers)).not.toContain(planted);
    }
  });

  it("with hideInputs and hideOutputs sends no message text, but keeps usage, ids and timings", async () => {
    const handler = createHandler({ hideInputs: true, hideOutputs: true });
    await createSeedAgent({ baseURL: openai.baseURL }).invoke(seedInput(), { callbacks: [handler], metadata: { traceId: "hidden" } });
    await handler.flush();
    for (const request of portkey.requestsTo("/v1/logs")) {
      expect(request.text).not.toContain("fifth power");
      expect(request.text).not.toContain(String(SEED_ANSWER));
    }
    const models = portkey.logs.filter(isModel);
    expect(models).toHaveLength(SEED_MODEL_CALLS);
    expect(models.map((log) => (log.response.body as { usage: { prompt_tokens: number } }).usage.prompt_tokens).sort()).toEqual(SEED_USAGE.map((usage) => usage.prompt_tokens).sort());
    expect(portkey.logs.filter(isTool).every((log) => log.request.body.input === "[hidden]")).toBe(true);
  });

  it("sends metadata values as strings of at most 128 characters", async () => {
    const handler = createHandler({ metadata: { _user: "u-42" } });
    const agent = createSeedAgent({ baseURL: openai.baseURL });
    await agent.invoke(seedInput(), {
      callbacks: [handler],
      tags: ["t".repeat(200)],
      metadata: { traceId: "meta", note: "n".repeat(1000), nested: { a: { b: "c".repeat(300) } }, count: 3, flag: true, list: [1, 2, 3] },
    });
    await handler.flush();
    expect(portkey.logs.length).toBeGreaterThan(0);
    for (const log of portkey.logs) {
      for (const value of Object.values(log.metadata)) {
        expect(typeof value).toBe("string");
        expect(value.length).toBeLessThanOrEqual(128);
      }
      expect(log.metadata).toMatchObject({ _user: "u-42", count: "3", flag: "true", list: "[1,2,3]" });
      expect(log.metadata.note).toHaveLength(128);
      expect(log.metadata.nested!.startsWith('{"a":{"b":"ccc')).toBe(true);
    }
    const model = portkey.logs.find(isModel)!;
    expect(model.metadata.ls_provider).toBe("openai");
    expect(model.metadata.ls_model_name).toBe(SEED_MODEL);
  });
});

describe("PortkeyCallbackHandler behind a Portkey gateway", () => {
  /** ChatOpenAI on the hosted gateway URL; a fetch that records each call, then answers it from the scripted server. */
  function gatewayModel(defaultHeaders?: Record<string, string>) {
    const calls: Array<{ url: string; headers: Headers }> = [];
    const gatewayFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = input instanceof Request ? input.url : String(input);
      calls.push({ url, headers: new Headers(init?.headers) });
      return fetch(url.replace(PORTKEY_GATEWAY_URL, openai.baseURL), init);
    };
    const model = new ChatOpenAI({
      model: SEED_MODEL,
      apiKey: "sk-provider",
      maxRetries: 0,
      configuration: { baseURL: PORTKEY_GATEWAY_URL, fetch: gatewayFetch, ...(defaultHeaders === undefined ? {} : { defaultHeaders }) },
    });
    return { calls, agent: createAgent({ model, tools: [multiply, exponentiate] }) };
  }

  it("works with the seeds' setup — ChatOpenAI on PORTKEY_GATEWAY_URL with createPortkeyHeaders — and logs no model call twice", async () => {
    const handler = createHandler();
    const { calls, agent } = gatewayModel(createPortkeyHeaders({ apiKey: API_KEY, provider: "openai", traceId: "seed-gw" }));
    const result = await agent.invoke(seedInput(), { callbacks: [handler], metadata: { traceId: "seed-gw" } });
    expect(finalText(result)).toContain(String(SEED_ANSWER));
    await handler.flush();

    expect(calls).toHaveLength(SEED_MODEL_CALLS);
    for (const call of calls) {
      expect(call.url).toBe(`${PORTKEY_GATEWAY_URL}/chat/completions`);
      expect(call.headers.get("x-portkey-trace-id")).toBe("seed-gw");
      expect(call.headers.get("x-portkey-api-key")).toBe(API_KEY);
    }
    expect(portkey.logs.filter(isModel)).toHaveLength(0);
    expect(portkey.logs.filter(isTool)).toHaveLength(SEED_TOOL_CALLS);
    expect(portkey.logs.every((log) => log.trace_id === "seed-gw")).toBe(true);
  });

  it("recognises the gateway by its URL alone", async () => {
    const handler = createHandler();
    const { calls, agent } = gatewayModel();
    await agent.invoke(seedInput(), { callbacks: [handler] });
    await handler.flush();
    expect(calls).toHaveLength(SEED_MODEL_CALLS);
    expect(portkey.logs.filter(isModel)).toHaveLength(0);
    expect(portkey.logs.filter(isTool)).toHaveLength(SEED_TOOL_CALLS);
  });

  it("sends no LLM log for a model with x-portkey headers on another URL, but still the chain and tool spans", async () => {
    const handler = createHandler();
    const before = openai.requests.length;
    const agent = createSeedAgent({
      baseURL: openai.baseURL, // stands in for the gateway
      configuration: { defaultHeaders: createPortkeyHeaders({ apiKey: API_KEY, provider: "openai", traceId: "gw-1" }) },
    });
    const result = await agent.invoke(seedInput(), { callbacks: [handler], metadata: { traceId: "gw-1" } });
    expect(finalText(result)).toContain(String(SEED_ANSWER));
    await handler.flush();
    expect(portkey.logs.filter(isModel)).toHaveLength(0);
    expect(portkey.logs.filter(isTool)).toHaveLength(SEED_TOOL_CALLS);
    expect(portkey.logs.filter((log) => log.parent_span_id === undefined)).toHaveLength(1);
    expect(portkey.logs.every((log) => log.trace_id === "gw-1")).toBe(true);
    // The gateway saw the same trace id on every model call.
    const gatewayCalls = openai.requests.slice(before);
    expect(gatewayCalls).toHaveLength(SEED_MODEL_CALLS);
    for (const call of gatewayCalls) {
      expect(call.headers["x-portkey-trace-id"]).toBe("gw-1");
      expect(call.headers["x-portkey-provider"]).toBe("openai");
    }
    expect(JSON.stringify(portkey.logs)).not.toContain(API_KEY);
  });

  it("treats a user-listed gateway URL the same way", async () => {
    const handler = createHandler({ gatewayBaseURLs: [`${openai.baseURL}/`] });
    const agent = createSeedAgent({ baseURL: openai.baseURL });
    await agent.invoke(seedInput(), { callbacks: [handler] });
    await handler.flush();
    expect(portkey.logs.filter(isModel)).toHaveLength(0);
    expect(portkey.logs.filter(isTool)).toHaveLength(SEED_TOOL_CALLS);
  });
});

describe("PortkeyCallbackHandler model runs", () => {
  it("logs a failed model call with the provider's status", async () => {
    const failing = await startOpenAIServer({ respond: queueResponder([{ status: 429, headers: { "retry-after": "1" } }]) });
    try {
      const handler = createHandler();
      const model = createTestChatModel({ baseURL: failing.baseURL });
      await expect(model.invoke("hello", { callbacks: [handler] })).rejects.toThrow();
      await handler.flush();
      expect(portkey.logs).toHaveLength(1);
      const [log] = portkey.logs;
      expect(log!.response.status).toBe(429);
      expect(log!.response.body).toMatchObject({ error: { message: expect.stringContaining("Rate limit") } });
      expect(log!.request.body.messages).toEqual([{ role: "user", content: "hello" }]);
      expect(log!.parent_span_id).toBeUndefined();
      expect(log!.trace_id).toBe(log!.span_id);
    } finally {
      await failing.close();
    }
  });

  it("marks a streamed call and keeps the usage of the final chunk", async () => {
    const streaming = await startOpenAIServer({ respond: queueResponder([{ content: "Hello there, streaming", usage: { prompt_tokens: 12, completion_tokens: 4 } }]) });
    try {
      const handler = createHandler();
      const model = createTestChatModel({ baseURL: streaming.baseURL });
      let text = "";
      for await (const chunk of await model.stream("hi", { callbacks: [handler] })) text += chunk.text;
      expect(text).toBe("Hello there, streaming");
      await handler.flush();
      const [log] = portkey.logs;
      expect(log!.response.streamingMode).toBe(true);
      expect(log!.response.body).toMatchObject({
        usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
        choices: [{ message: { role: "assistant", content: "Hello there, streaming" }, finish_reason: "stop" }],
      });
    } finally {
      await streaming.close();
    }
  });
});

describe("PortkeyCallbackHandler delivery", () => {
  it("retries a batch Portkey answered 503, delivering every log once", async () => {
    const handler = createHandler({ initialRetryDelayMs: 0, maxRetryDelayMs: 0 });
    portkey.fail({ path: "/v1/logs", status: 503 });
    await createSeedAgent({ baseURL: openai.baseURL }).invoke(seedInput(), { callbacks: [handler] });
    await handler.flush();
    const requests = portkey.requestsTo("/v1/logs");
    expect(requests[0]!.status).toBe(503);
    expect(requests[1]!.headers["idempotency-key"]).toBe(requests[0]!.headers["idempotency-key"]);
    expect(new Set(portkey.logs.map((log) => log.span_id)).size).toBe(portkey.logs.length);
    expect(portkey.logs.filter(isModel)).toHaveLength(SEED_MODEL_CALLS);
  });

  it("delivers a log cut down to fit maxBatchBytes, and the batch it travels in", async () => {
    const handler = createHandler({ maxBatchBytes: 64 * 1024, flushIntervalMs: 60_000 });
    // Too big for a batch, yet no single string worth shortening: the exporter replaces the inputs whole.
    const inputs = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, Array.from({ length: 20 }, (_, j) => `v${j}`.padEnd(120, "x"))]));
    const wide = RunnableLambda.from((input: Record<string, unknown>) => ({ keys: Object.keys(input).length })).withConfig({ runName: "wide-input" });
    await wide.invoke(inputs, { callbacks: [handler] });
    await createTestChatModel({ baseURL: openai.baseURL }).invoke("hi", { callbacks: [handler] });
    await handler.flush();
    expect(portkey.requestsTo("/v1/logs").map((request) => request.status)).toEqual([200]);
    expect(portkey.logs.map((log) => log.span_name).sort()).toEqual(["ChatOpenAI", "wide-input"]);
    const log = portkey.logs.find((entry) => entry.span_name === "wide-input")!;
    expect(log.request.body).toEqual({ truncated: expect.stringContaining("truncated by langchain-llmops") });
    expect(log.response.body).toEqual({ keys: 60 });
    expect(log.metadata).toMatchObject({ spanId: log.span_id, traceId: log.trace_id });
    expect(handler.stats().export).toMatchObject({ truncated: 1, sent: 2, failed: 0 });
  });

  it("sends gzip-compressed batches when asked", async () => {
    const handler = createHandler({ gzip: true });
    await createTestChatModel({ baseURL: openai.baseURL }).invoke("hi", { callbacks: [handler] });
    await handler.flush();
    const [request] = portkey.requestsTo("/v1/logs");
    expect(request!.headers["content-encoding"]).toBe("gzip");
    expect(request!.raw[0]).toBe(0x1f);
    expect(portkey.logs).toHaveLength(1);
  });

  it("shutdown() waits for queued logs and feedback in flight, then later feedback is not sent", async () => {
    const errors: ExportError[] = [];
    const handler = new PortkeyCallbackHandler({ apiKey: API_KEY, baseURL: portkey.baseURL, onError: (error) => errors.push(error as ExportError) });
    await createTestChatModel({ baseURL: openai.baseURL }).invoke("hi", { callbacks: [handler] });
    portkey.fail({ path: "/v1/feedback", status: 200, delayMs: 150, body: JSON.stringify({ status: "success", message: "ok", feedback_ids: ["fb-slow"] }) });
    const ids = handler.feedback({ traceId: "t", value: 1 });
    await handler.shutdown();
    expect(portkey.logs).toHaveLength(1);
    expect(await ids).toEqual(["fb-slow"]);
    expect(await handler.feedback({ traceId: "t", value: 2 })).toEqual([]);
    expect(errors.map((error) => error.code)).toEqual(["ERR_LLMOPS_SHUTDOWN"]);
    expect(portkey.requestsTo("/v1/feedback")).toHaveLength(1);
  });
});

describe("PortkeyCallbackHandler feedback", () => {
  it("shutdown() does not wait out a feedback's retry delay: it settles the feedback, then closes", async () => {
    const errors: ExportError[] = [];
    const handler = new PortkeyCallbackHandler({ apiKey: API_KEY, baseURL: portkey.baseURL, onError: (error) => errors.push(error as ExportError) });
    portkey.fail({ path: "/v1/feedback", status: 503, headers: { "retry-after": "30" } });
    let settled = false;
    const ids = handler.feedback({ traceId: "t", value: 4 }).finally(() => (settled = true));
    await vi.waitFor(() => expect(portkey.requestsTo("/v1/feedback")).toHaveLength(1), { interval: 5 });
    const started = performance.now();
    await handler.shutdown();
    expect(settled).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
    // Either the 503 arrived after shutdown began (final: reported), or the wait was cut short and
    // the last attempt, made while the sockets were still open, delivered it.
    const statuses = portkey.requestsTo("/v1/feedback").map((request) => request.status);
    if (statuses.length === 1) {
      expect(await ids).toEqual([]);
      expect(errors).toMatchObject([{ status: 503, endpoint: "/feedback" }]);
    } else {
      expect(statuses).toEqual([503, 200]);
      expect(await ids).toEqual([portkey.feedback[0]!.id]);
      expect(errors).toEqual([]);
    }
  });

  it("posts feedback and returns Portkey's ids", async () => {
    const handler = createHandler();
    const ids = await handler.feedback({ traceId: "req-123", value: 8, weight: 0.5, metadata: { _user: "u-42" } });
    expect(ids).toHaveLength(1);
    expect(portkey.feedback).toEqual([{ id: ids[0], trace_id: "req-123", value: 8, weight: 0.5, metadata: { _user: "u-42" } }]);
    const [request] = portkey.requestsTo("/v1/feedback");
    expect(request!.headers["x-portkey-api-key"]).toBe(API_KEY);
    expect(JSON.parse(request!.text)).toEqual({ trace_id: "req-123", value: 8, weight: 0.5, metadata: { _user: "u-42" } });
  });

  it("rejects invalid feedback with a ValidationError and sends nothing", async () => {
    const handler = createHandler();
    await expect(handler.feedback({ traceId: "t", value: 11 })).rejects.toThrow(ValidationError);
    await expect(handler.feedback({ traceId: "t", value: 1.5 })).rejects.toMatchObject({ field: "value" });
    await expect(handler.feedback({ traceId: "t", value: 1, weight: 2 })).rejects.toMatchObject({ field: "weight", message: expect.stringContaining("got 2") });
    expect(portkey.requestsTo("/v1/feedback")).toHaveLength(0);
  });

  it("reports undeliverable feedback to onError and resolves with no ids", async () => {
    const errors: ExportError[] = [];
    const handler = createHandler({ onError: (error) => errors.push(error as ExportError), maxAttempts: 2, initialRetryDelayMs: 0, maxRetryDelayMs: 0 });
    portkey.fail({ path: "/v1/feedback", status: 503, times: 2 });
    expect(await handler.feedback({ traceId: "t", value: -3 })).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 503, attempts: 2, endpoint: "/feedback" });
    expect(portkey.requestsTo("/v1/feedback").map((request) => request.status)).toEqual([503, 503]);
  });
});

describe("PortkeyCallbackHandler construction", () => {
  it("needs an API key from the option or PORTKEY_API_KEY", () => {
    expect(() => new PortkeyCallbackHandler({ baseURL: portkey.baseURL })).toThrow(ConfigError);
    expect(() => new PortkeyCallbackHandler({ baseURL: portkey.baseURL })).toThrow(/apiKey: .*PORTKEY_API_KEY/);
    expect(() => new PortkeyCallbackHandler({ apiKey: " ", baseURL: portkey.baseURL })).toThrow(/apiKey/);
  });

  it("reads PORTKEY_API_KEY and PORTKEY_BASE_URL", async () => {
    vi.stubEnv("PORTKEY_API_KEY", API_KEY);
    vi.stubEnv("PORTKEY_BASE_URL", portkey.baseURL);
    const handler = new PortkeyCallbackHandler();
    handlers.push(handler);
    await createTestChatModel({ baseURL: openai.baseURL }).invoke("hi", { callbacks: [handler] });
    await handler.flush();
    expect(portkey.logs).toHaveLength(1);
    expect(portkey.requests[0]!.headers["x-portkey-api-key"]).toBe(API_KEY);
  });

  it("rejects a bad baseURL, metadata or gateway list, naming the option", () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ baseURL: "ftp://example.com" }, "baseURL"],
      [{ baseURL: "not a url" }, "baseURL"],
      [{ metadata: { step: 3 } }, "metadata.step"],
      [{ metadata: { note: "n".repeat(129) } }, "metadata.note"],
      [{ metadata: { traceId: "x" } }, "metadata.traceId"],
      [{ metadata: "u-42" }, "metadata"],
      [{ gatewayBaseURLs: ["nope"] }, "gatewayBaseURLs[0]"],
      [{ maxBatchSize: 0 }, "maxBatchSize"],
    ];
    for (const [options, option] of bad) {
      let error: unknown;
      try {
        new PortkeyCallbackHandler({ apiKey: API_KEY, ...options });
      } catch (caught) {
        error = caught;
      }
      expect(error, option).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe(option);
    }
  });
});
