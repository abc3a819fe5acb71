/**
 * PromptLayerCallbackHandler end to end: real ChatOpenAI and createAgent against the scripted OpenAI
 * server, the handler shipping to the local PromptLayer.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk arbitrary wire JSON */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "langchain-llmops";
import type { LlmopsError } from "langchain-llmops";
import { PromptLayerCallbackHandler } from "../../src/promptlayer/promptlayer-callback-handler.ts";
import type { PromptLayerCallbackHandlerOptions } from "../../src/promptlayer/promptlayer-options.ts";
import { startOpenAIServer } from "../support/openai-server.ts";
import type { OpenAIServer, RequestBody } from "../support/openai-server.ts";
import { startPromptLayerServer } from "../support/promptlayer-server.ts";
import type { PromptLayerServer } from "../support/promptlayer-server.ts";
import { createSeedAgent, createTestChatModel, SEED_MODEL_CALLS, SEED_TOOL_CALLS, seedInput, seedResponder } from "../support/seed-agent.ts";

let openai: OpenAIServer | undefined;
let pl: PromptLayerServer;
let handler: PromptLayerCallbackHandler | undefined;
const errors: LlmopsError[] = [];

beforeEach(async () => {
  pl = await startPromptLayerServer();
  errors.length = 0;
});
afterEach(async () => {
  await handler?.shutdown();
  handler = undefined;
  await openai?.close();
  openai = undefined;
  await pl.close();
  vi.unstubAllEnvs();
});

function makeHandler(options: PromptLayerCallbackHandlerOptions = {}): PromptLayerCallbackHandler {
  handler = new PromptLayerCallbackHandler({
    apiKey: pl.apiKey,
    baseURL: pl.baseURL,
    flushIntervalMs: 60_000,
    initialRetryDelayMs: 5,
    maxRetryDelayMs: 20,
    onError: (error) => errors.push(error),
    ...options,
  });
  return handler;
}

function lastUserText(body: RequestBody): string {
  const user = (body.messages ?? []).filter((m) => m.role === "user").at(-1);
  return typeof user?.content === "string" ? user.content : "";
}

type Span = { name: string; kind: string; context: { trace_id: string; span_id: string }; parent_id: string | null; log_request?: any };
const sentSpans = (): Span[] => pl.requestsTo("/spans-bulk").flatMap((r) => (r.body as { spans: Span[] }).spans);

describe("construction", () => {
  it("needs an API key: the option, else PROMPTLAYER_API_KEY", async () => {
    vi.stubEnv("PROMPTLAYER_API_KEY", "");
    expect(() => new PromptLayerCallbackHandler()).toThrow(ConfigError);
    expect(() => new PromptLayerCallbackHandler()).toThrow(/apiKey: no PromptLayer API key: pass apiKey or set PROMPTLAYER_API_KEY/);

    vi.stubEnv("PROMPTLAYER_API_KEY", pl.apiKey);
    vi.stubEnv("PROMPTLAYER_BASE_URL", pl.baseURL);
    handler = new PromptLayerCallbackHandler({ flushIntervalMs: 60_000 });
    openai = await startOpenAIServer();
    await createTestChatModel({ baseURL: openai.baseURL, callbacks: [handler] }).invoke("hi");
    await handler.flush();
    expect(pl.requestsTo("/spans-bulk")[0]?.status).toBe(201);
  });

  it("rejects bad options with a ConfigError naming the option", () => {
    const base = { apiKey: "k", baseURL: "http://127.0.0.1:1" };
    expect(() => new PromptLayerCallbackHandler({ ...base, pl_tags: "a" as never })).toThrow(/pl_tags: must be an array of strings/);
    expect(() => new PromptLayerCallbackHandler({ ...base, plTags: [""] })).toThrow(/plTags: every tag/);
    expect(() => new PromptLayerCallbackHandler({ ...base, pl_tags: ["a"], plTags: ["b"] })).toThrow(/pl_tags: give pl_tags or plTags, not both/);
    expect(() => new PromptLayerCallbackHandler({ ...base, pl_id_callback: 3 as never })).toThrow(/pl_id_callback: must be a function/);
    expect(() => new PromptLayerCallbackHandler({ ...base, baseURL: "ftp://x" })).toThrow(/baseURL: must be an http\(s\) URL/);
    expect(() => new PromptLayerCallbackHandler({ ...base, maxBatchSize: 0 })).toThrow(/maxBatchSize/);
  });
});

describe("ChatOpenAI({ callbacks: [pl] })", () => {
  it("never sends the model's credentials to PromptLayer", async () => {
    openai = await startOpenAIServer();
    const pl_ = makeHandler();
    const chat = createTestChatModel({
      baseURL: openai.baseURL,
      apiKey: "sk-PLANTED-openai-key",
      configuration: { defaultHeaders: { "x-portkey-api-key": "pk-PLANTED-header-key", authorization: "Bearer PLANTED" } },
      callbacks: [pl_],
    });
    await chat.invoke("hello", { callbacks: [pl_] });
    await chat.invoke("hello again");
    await pl_.flush();
    expect(pl.requestLogs).toHaveLength(2);
    for (const request of pl.requests) expect(request.raw.toString("utf8")).not.toContain("PLANTED");
  });

  it("invoke and stream: one request log each, pl_tags on each, pl_id_callback gets exactly the server's ids, in one batch", async () => {
    openai = await startOpenAIServer({ respond: (body) => ({ content: `answer to ${lastUserText(body)}` }) });
    const received: number[] = [];
    const pl_ = makeHandler({ pl_tags: ["chatopenai"], pl_id_callback: (id) => void received.push(id) });
    const chat = createTestChatModel({ baseURL: openai.baseURL, callbacks: [pl_] });

    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 20; i++) calls.push(chat.invoke(`invoke ${i}`));
    for (let i = 0; i < 20; i++) {
      calls.push(
        (async () => {
          let text = "";
          for await (const chunk of await chat.stream(`stream ${i}`)) text += chunk.text;
          return text;
        })(),
      );
    }
    await Promise.all(calls);
    await pl_.flush();

    const batches = pl.requestsTo("/spans-bulk");
    expect(batches).toHaveLength(1);
    expect(batches[0]!.status).toBe(201);
    const spans = sentSpans();
    expect(spans).toHaveLength(40);
    expect(spans.every((s) => s.kind === "SpanKind.CLIENT" && s.parent_id === null)).toBe(true);
    expect(pl.requestLogs).toHaveLength(40);
    const byInput = new Map(
      pl.requestLogs.map((log) => [(log.body as any).input.messages.at(-1).content[0].text as string, log.body as any]),
    );
    for (let i = 0; i < 20; i++) {
      for (const kind of ["invoke", "stream"]) {
        const log = byInput.get(`${kind} ${i}`);
        expect(log, `${kind} ${i}`).toBeDefined();
        expect(log.tags).toContain("chatopenai");
        expect(log.output.messages).toEqual([{ role: "assistant", content: [{ type: "text", text: `answer to ${kind} ${i}` }] }]);
        expect(log.parameters.stream).toBe(kind === "stream");
        expect(log.function_name).toBe("langchain.chat_models.openai.ChatOpenAI");
        expect(log.metadata._langchain_run_id).toMatch(/^[0-9a-f-]{36}$/);
      }
    }
    // Exactly the ids the server returned, once each, in the order of the batch.
    expect(received).toEqual(pl.requestLogs.map((log) => log.id));
    expect(new Set(received).size).toBe(40);
    expect(errors).toEqual([]);
  });
});

describe("the seed agent with the handler in config", () => {
  it("ships the run tree as spans, tool calls and results in the blueprints", async () => {
    openai = await startOpenAIServer({ respond: seedResponder });
    const received: number[] = [];
    const pl_ = makeHandler({ plTags: ["agent"], plIdCallback: (id) => void received.push(id) });
    const agent = createSeedAgent({ baseURL: openai.baseURL });
    await agent.invoke(seedInput(), { callbacks: [pl_] });
    await pl_.flush();

    const spans = sentSpans();
    const ids = new Set(spans.map((s) => s.context.span_id));
    expect(ids.size).toBe(spans.length);
    expect(new Set(spans.map((s) => s.context.trace_id)).size).toBe(1);
    const roots = spans.filter((s) => s.parent_id === null);
    expect(roots.map((s) => s.name)).toEqual(["LangGraph"]);
    for (const span of spans) if (span.parent_id !== null) expect(ids.has(span.parent_id)).toBe(true);
    const byId = new Map(spans.map((s) => [s.context.span_id, s]));
    const models = spans.filter((s) => s.kind === "SpanKind.CLIENT");
    const tools = spans.filter((s) => s.name === "multiply" || s.name === "exponentiate");
    expect(models).toHaveLength(SEED_MODEL_CALLS);
    expect(tools).toHaveLength(SEED_TOOL_CALLS);
    for (const model of models) expect(byId.get(model.parent_id!)!.name).toBe("model_request");
    for (const tool of tools) expect(byId.get(tool.parent_id!)!.name).toBe("tools");

    expect(pl.requestLogs).toHaveLength(SEED_MODEL_CALLS);
    expect(received).toEqual(pl.requestLogs.map((log) => log.id));
    const first = models[0]!.log_request;
    const last = models.at(-1)!.log_request;
    const call = first.output.messages[0].tool_calls[0];
    expect(first.output.messages[0].content).toEqual([]);
    expect(call).toMatchObject({ type: "function", function: { name: "exponentiate", arguments: '{"base":3,"exponent":5}' } });
    const inputs = last.input.messages;
    expect(inputs.filter((m: any) => m.role === "tool").map((m: any) => m.content[0].text)).toEqual(["243", "8748", "76527504"]);
    expect(inputs.find((m: any) => m.role === "tool").tool_call_id).toBe(call.id);
    expect(inputs.filter((m: any) => m.role === "assistant" && m.tool_calls).length).toBe(3);
    expect(last.output.messages[0].content[0].text).toContain("76527504");
    expect(last.tags).toContain("agent");
    expect(last.metadata._langchain_trace_id.replaceAll("-", "")).toBe(roots[0]!.context.trace_id);
    expect([first.input_tokens, first.output_tokens]).toEqual([142, 19]);
    expect(errors).toEqual([]);
  });

  it("logs a failed LLM call with status ERROR", async () => {
    openai = await startOpenAIServer({
      respond: (body, index) => (index === 1 ? { status: 500, errorBody: { error: { message: "upstream exploded", type: "server_error" } } } : seedResponder(body, index)),
    });
    const received: number[] = [];
    const pl_ = makeHandler({ pl_id_callback: (id) => void received.push(id) });
    await expect(createSeedAgent({ baseURL: openai.baseURL }).invoke(seedInput(), { callbacks: [pl_] })).rejects.toThrow();
    await pl_.flush();

    const logs = sentSpans().filter((s) => s.log_request !== undefined);
    expect(logs.map((s) => s.log_request.status)).toEqual(["SUCCESS", "ERROR"]);
    const failed = logs[1]!;
    expect(failed.log_request.error_message).toContain("upstream exploded");
    expect(failed.log_request.error_type).toMatch(/Error/);
    expect(failed.log_request.output).toEqual({ type: "chat", messages: [] });
    expect(sentSpans().find((s) => s.name === "LangGraph")).toMatchObject({ status: { status_code: "StatusCode.ERROR" } });
    // Logged requests get ids like any other, errors included.
    expect(received).toEqual(pl.requestLogs.map((log) => log.id));
  });
});

describe("delivery", () => {
  it("12 concurrent agents over several batches: every LLM run logged once, every id called back once", async () => {
    openai = await startOpenAIServer({ respond: seedResponder });
    const received: number[] = [];
    const pl_ = makeHandler({
      maxBatchSize: 20,
      pl_id_callback: async (id) => {
        await new Promise((resolve) => setImmediate(resolve));
        received.push(id);
      },
    });
    const agent = createSeedAgent({ baseURL: openai.baseURL });
    await Promise.all(Array.from({ length: 12 }, () => agent.invoke(seedInput(), { callbacks: [pl_] })));
    await pl_.flush();

    const spans = sentSpans();
    expect(pl.requestsTo("/spans-bulk").length).toBeGreaterThan(1);
    expect(new Set(spans.map((s) => s.context.trace_id)).size).toBe(12);
    expect(new Set(spans.map((s) => s.context.span_id)).size).toBe(spans.length);
    expect(pl.requestLogs).toHaveLength(12 * SEED_MODEL_CALLS);
    const byNumber = (a: number, b: number) => a - b;
    expect([...received].sort(byNumber)).toEqual(pl.requestLogs.map((log) => log.id).sort(byNumber));
    expect(pl_.stats().export.failed).toBe(0);
    expect(errors).toEqual([]);
  });

  it("falls back to /log-request where /spans-bulk answers 404", async () => {
    await pl.close();
    pl = await startPromptLayerServer({ spansBulk: false });
    openai = await startOpenAIServer({ respond: seedResponder });
    const received: number[] = [];
    const warnings: string[] = [];
    const pl_ = makeHandler({ pl_id_callback: (id) => void received.push(id), logger: { warn: (m) => warnings.push(m) } });
    await createSeedAgent({ baseURL: openai.baseURL }).invoke(seedInput(), { callbacks: [pl_] });
    await pl_.flush();
    await createSeedAgent({ baseURL: openai.baseURL }).invoke(seedInput(), { callbacks: [pl_] });
    await pl_.flush();

    expect(pl_.usesSpansBulk).toBe(false);
    expect(pl.requestsTo("/spans-bulk")).toHaveLength(1);
    expect(pl.requestsTo("/log-request").map((r) => r.status)).toEqual(Array(2 * SEED_MODEL_CALLS).fill(201));
    expect(received).toEqual(pl.requestLogs.map((log) => log.id));
    expect(received).toHaveLength(2 * SEED_MODEL_CALLS);
    expect(warnings).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("retries 5xx batches (and a lost answer) and still delivers each id once", async () => {
    openai = await startOpenAIServer({ respond: seedResponder });
    const received: number[] = [];
    const pl_ = makeHandler({ pl_id_callback: (id) => void received.push(id) });
    pl.fail("/spans-bulk", 503, 500, { drop: "after-accept" });
    await createSeedAgent({ baseURL: openai.baseURL }).invoke(seedInput(), { callbacks: [pl_] });
    await pl_.flush();

    // 503 and 500 are retried (PromptLayer's SDKs retry every 5xx); the third attempt was stored but
    // its answer lost, so the fourth resends it: upserted, same ids, callbacks once.
    expect(pl.requestsTo("/spans-bulk").map((r) => r.status)).toEqual([503, 500, 0, 201]);
    expect(new Set(pl.requestsTo("/spans-bulk").map((r) => r.headers["idempotency-key"])).size).toBe(1);
    expect(pl.requestLogs).toHaveLength(SEED_MODEL_CALLS);
    expect(received).toEqual(pl.requestLogs.map((log) => log.id));
    expect(pl_.stats().export.retried).toBe(3);
    expect(errors).toEqual([]);
  });
});

describe("tracking requests and the handler's lifetime", () => {
  async function loggedRequestId(pl_: PromptLayerCallbackHandler): Promise<number> {
    openai = await startOpenAIServer();
    await createTestChatModel({ baseURL: openai.baseURL }).invoke("hi", { callbacks: [pl_] });
    await pl_.flush();
    return pl.requestLogs[0]!.id;
  }

  it("flush() waits for tracking a pl_id_callback started without awaiting it", async () => {
    const pl_ = makeHandler({
      pl_id_callback: (id) => {
        void pl_.trackScore(id, 100);
      },
    });
    pl.fail("/rest/track-score", { delayMs: 100 });
    openai = await startOpenAIServer();
    await createTestChatModel({ baseURL: openai.baseURL }).invoke("hi", { callbacks: [pl_] });
    await pl_.flush();
    expect(pl.tracks).toEqual([{ kind: "score", body: { request_id: pl.requestLogs[0]!.id, score: 100 } }]);
    expect(errors).toEqual([]);
  });

  it("shutdown() does not wait out a tracking retry delay: it settles the request, then closes", async () => {
    const pl_ = makeHandler({ initialRetryDelayMs: 1000, maxRetryDelayMs: 30_000 });
    const id = await loggedRequestId(pl_);
    pl.fail("/rest/track-score", { status: 503, headers: { "retry-after": "30" } });
    let settled = false;
    const tracked = pl_.trackScore(id, 90).finally(() => (settled = true));
    await vi.waitFor(() => expect(pl.requestsTo("/rest/track-score")).toHaveLength(1), { interval: 5 });
    const started = performance.now();
    await pl_.shutdown();
    expect(settled).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
    // Either the 503 arrived after shutdown began (final: reported), or the wait was cut short and
    // the last attempt, made while the sockets were still open, delivered it.
    const statuses = pl.requestsTo("/rest/track-score").map((request) => request.status);
    if (statuses.length === 1) {
      expect(await tracked).toBe(false);
      expect(errors).toMatchObject([{ status: 503, endpoint: "/rest/track-score" }]);
    } else {
      expect(statuses).toEqual([503, 200]);
      expect(await tracked).toBe(true);
      expect(errors).toEqual([]);
    }
  });

  it("tracking after shutdown() is not sent: it resolves false at once, reported as ERR_LLMOPS_SHUTDOWN", async () => {
    const pl_ = makeHandler({ initialRetryDelayMs: 1000, maxRetryDelayMs: 30_000 });
    const id = await loggedRequestId(pl_);
    await pl_.shutdown();
    const started = performance.now();
    expect(await pl_.trackMetadata(id, { foo: "bar" })).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
    expect(errors).toMatchObject([{ code: "ERR_LLMOPS_SHUTDOWN", endpoint: "/rest/track-metadata", attempts: 1 }]);
    await expect(pl_.getPromptTemplate("example")).rejects.toMatchObject({ code: "ERR_LLMOPS_SHUTDOWN" });
    expect(pl.requestsTo("/rest/track-metadata")).toHaveLength(0);
  });
});
