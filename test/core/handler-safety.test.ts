import { RunnableLambda } from "@langchain/core/runnables";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CallbackError, ConfigError } from "langchain-llmops";
import type { RunRecord } from "langchain-llmops";
import { TracingCallbackHandler } from "../../src/core/tracing-callback-handler.ts";
import { RunEvictedError } from "../../src/core/run-evicted-error.ts";
import { startOpenAIServer } from "../support/openai-server.ts";
import type { OpenAIServer } from "../support/openai-server.ts";
import { RecordingHandler } from "../support/recording-handler.ts";
import { createSeedAgent, createTestChatModel, seedInput, seedResponder } from "../support/seed-agent.ts";

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer({ respond: seedResponder });
});
afterAll(() => server.close());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

class Widget {
  readonly label = "w1";
  #secret = "private";
  readonly nested = { when: new Date("2026-01-02T03:04:05.000Z") };
  describe(): string {
    return this.#secret;
  }
}

describe("bad input never breaks tracing", () => {
  it("records circular objects, BigInt, symbols, functions, class instances, Maps/Sets, huge strings and undefined", async () => {
    const handler = new RecordingHandler({ maxStringLength: 100 });
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    const input = {
      circular,
      big: 12345678901234567890n,
      sym: Symbol("s"),
      [Symbol("hidden-key")]: 1,
      fn: () => 1,
      widget: new Widget(),
      map: new Map<unknown, unknown>([["k", 1n]]),
      set: new Set(["a", "b"]),
      huge: "x".repeat(12_345),
      nothing: undefined,
      nan: Number.NaN,
      list: [undefined, Symbol("in-array"), 1],
      error: Object.assign(new RangeError("out of range"), { status: 418, code: "TEAPOT" }),
    };
    const echo = RunnableLambda.from((value: typeof input) => value).withConfig({ runName: "echo" });
    await echo.invoke(input, { callbacks: [handler] });

    const record = handler.byName("echo");
    const inputs = (record.payload as { inputs: Record<string, unknown> }).inputs;
    expect(inputs).toEqual({
      circular: { name: "loop", self: "[Circular]" },
      big: "12345678901234567890",
      widget: { label: "w1", nested: { when: "2026-01-02T03:04:05.000Z" } },
      map: { k: "1" },
      set: ["a", "b"],
      huge: `${"x".repeat(100)}…[truncated 12245 chars]`,
      nan: "NaN",
      list: [null, null, 1],
      error: { name: "RangeError", message: "out of range", status: 418, code: "TEAPOT" },
    });
    // Outputs are the same object: sanitized the same way, and the record is plain JSON.
    expect((record.payload as { outputs: unknown }).outputs).toEqual(inputs);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    expect(handler.errors).toEqual([]);
  });

  it("survives hostile values and missing arguments in every handle* method without throwing", () => {
    const handler = new RecordingHandler();
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("ownKeys trap");
        },
        get() {
          throw new Error("get trap");
        },
      },
    );
    const throwingGetter = Object.defineProperty({ ok: 1 }, "bad", { enumerable: true, get: () => { throw new Error("getter"); } });
    const calls: Array<() => unknown> = [
      () => handler.handleChainStart(hostile, throwingGetter, "c1", undefined, hostile, hostile, undefined, undefined),
      () => handler.handleChatModelStart(hostile, [[hostile, { role: "user", content: hostile }]], "m1", "c1", hostile, undefined, hostile),
      () => handler.handleLLMNewToken("t", { prompt: 0, completion: 0 }, "m1", undefined, undefined, hostile),
      () => handler.handleLLMEnd(hostile, "m1"),
      () => handler.handleToolStart(undefined, undefined, "t1", "c1"),
      () => handler.handleToolError(hostile, "t1"),
      () => handler.handleRetrieverStart(null, hostile, "r1", "c1"),
      () => handler.handleRetrieverEnd([hostile, null, "text"], "r1"),
      () => handler.handleCustomEvent("evt", hostile, "c1"),
      () => handler.handleAgentAction(hostile, "c1"),
      () => handler.handleAgentEnd(hostile, "c1"),
      () => handler.handleChainError(hostile, "c1", undefined, undefined, hostile),
      () => handler.handleLLMStart(undefined, undefined, undefined),
      () => handler.handleChainEnd(undefined, undefined),
    ];
    for (const call of calls) expect(call).not.toThrow();
    expect(handler.records.map((record) => [record.runId, record.status])).toEqual([
      ["m1", "success"],
      ["t1", "error"],
      ["r1", "success"],
      ["c1", "error"],
    ]);
    const chain = handler.records.at(-1)!;
    expect(chain.payload).toMatchObject({ kind: "chain", inputs: { ok: 1, bad: "[Unreadable]" } });
    expect(chain.events).toEqual([{ name: "evt", data: "[Unserializable]", time: expect.any(Number) as unknown }]);
    expect(handler.trackerStats()).toMatchObject({ openRuns: 0, handlerErrors: 0, unknownEventsIgnored: 1, unknownEndsIgnored: 1 });
  });

  it("never throws when the subclass's handleRecord throws: counted and reported", async () => {
    const errors: unknown[] = [];
    class Broken extends TracingCallbackHandler {
      protected handleRecord(): void {
        throw new Error("exporter exploded");
      }
    }
    const handler = new Broken({ onError: (error) => errors.push(error) });
    await expect(RunnableLambda.from((x: number) => x + 1).invoke(1, { callbacks: [handler] })).resolves.toBe(2);
    expect(handler.trackerStats()).toMatchObject({ handlerErrors: 1, recordsDelivered: 0, openRuns: 0 });
    expect(errors[0]).toBeInstanceOf(CallbackError);
    expect(errors[0]).toMatchObject({ callback: "handleRecord", message: "handleRecord failed: exporter exploded" });
  });
});

describe("secrets", () => {
  it("keeps planted keys out of every record of a whole agent run", async () => {
    const handler = new RecordingHandler();
    const agent = createSeedAgent({
      baseURL: server.baseURL,
      apiKey: "sk-PLANTED-AGENT-KEY",
      configuration: { defaultHeaders: { "x-portkey-api-key": "PLANTED-PORTKEY-KEY", "x-portkey-virtual-key": "PLANTED-VK" } },
    });
    await agent.invoke(seedInput(), { callbacks: [handler], configurable: { openai_api_key: "PLANTED-CONFIGURABLE" } });
    expect(handler.records.length).toBeGreaterThan(10);
    for (const record of handler.records) expect(JSON.stringify(record)).not.toContain("PLANTED");
    const modelRecord = handler.ofType("chat_model")[0]!;
    expect(modelRecord.payload).toMatchObject({ headerNames: ["x-portkey-api-key", "x-portkey-virtual-key"] });
  });
});

describe("hide and mask hooks", () => {
  it("hides inputs for every record and outputs for the records a function picks", async () => {
    const handler = new RecordingHandler({ hideInputs: true, hideOutputs: (record) => record.runType === "chat_model" });
    await createTestChatModel({ baseURL: server.baseURL }).invoke("my private question", { callbacks: [handler] });
    await RunnableLambda.from((x: string) => `${x}!`).withConfig({ runName: "shout" }).invoke("private chain input", { callbacks: [handler] });
    expect(JSON.stringify(handler.records)).not.toContain("my private question");
    const [model, shout] = handler.records;
    expect(model).toMatchObject({ inputsHidden: true, outputsHidden: true, payload: { inputMessages: [], outputMessages: [], usage: { promptTokens: 142 } } });
    expect(shout).toMatchObject({ inputsHidden: true, payload: { inputs: "[hidden]", outputs: { output: "private chain input!" } } });
    expect(shout!.outputsHidden).toBeUndefined();
  });

  it("mask can rewrite a record, drop it (undefined), and a failing mask drops and reports", async () => {
    const errors: unknown[] = [];
    const handler = new RecordingHandler({
      onError: (error) => errors.push(error),
      mask: (record): RunRecord | undefined => {
        if (record.name === "drop-me") return undefined;
        if (record.name === "explode") throw new Error("mask bug");
        return { ...record, metadata: { ...record.metadata, masked: true } };
      },
    });
    for (const name of ["keep", "drop-me", "explode"]) {
      await RunnableLambda.from((x: number) => x).withConfig({ runName: name }).invoke(1, { callbacks: [handler] });
    }
    expect(handler.records.map((record) => record.name)).toEqual(["keep"]);
    expect(handler.records[0]!.metadata).toMatchObject({ masked: true });
    expect(Object.isFrozen(handler.records[0]!.metadata)).toBe(true);
    expect(handler.trackerStats()).toMatchObject({ recordsProduced: 3, recordsDelivered: 1, recordsMasked: 1, recordsDropped: 2, maskErrors: 1 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "ERR_LLMOPS_CALLBACK", callback: "mask", message: "mask failed: mask bug" });
  });

  it("a record mask changed is copied to plain JSON: a BigInt or cycle cannot break the batch, the user's objects are not frozen", async () => {
    const shared = { region: "eu", counters: [1, 2] };
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    const handler = new RecordingHandler({
      mask: (record): RunRecord => ({ ...record, metadata: { ...record.metadata, shared, loop, big: 2n ** 70n } as never }),
    });
    await RunnableLambda.from((x: number) => x).withConfig({ runName: "masked" }).invoke(1, { callbacks: [handler] });
    const record = handler.byName("masked");
    expect(record.metadata).toMatchObject({ shared: { region: "eu", counters: [1, 2] }, loop: { name: "loop", self: "[Circular]" }, big: "1180591620717411303424" });
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    expect(Object.isFrozen(record.metadata)).toBe(true);
    expect(Object.isFrozen(shared)).toBe(false);
    shared.counters.push(3); // the user's object stays theirs
    expect(handler.trackerStats()).toMatchObject({ recordsMasked: 1, recordsDelivered: 1, maskErrors: 0 });
  });

  it("by default warns once per minute on console, not once per failure", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    class Quiet extends TracingCallbackHandler {
      protected handleRecord(): void {}
    }
    const handler = new Quiet({ mask: () => { throw new Error("always"); } });
    for (let i = 0; i < 5; i++) await RunnableLambda.from((x: number) => x).invoke(i, { callbacks: [handler] });
    expect(handler.trackerStats().maskErrors).toBe(5);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe("[langchain-llmops] ERR_LLMOPS_CALLBACK: mask failed: always");
  });
});

describe("eviction through a real aborted stream", () => {
  it("evicts the run a consumer abandoned mid-stream after runTtlMs, counts and reports it", async () => {
    const handler = new RecordingHandler({ runTtlMs: 60_000 });
    const model = createTestChatModel({ baseURL: server.baseURL });
    for await (const chunk of await model.stream("hello", { callbacks: [handler] })) {
      if (chunk.tool_call_chunks?.length) break; // the consumer stops reading: LangChain never ends the run
    }
    expect(handler.trackerStats()).toMatchObject({ openRuns: 1, recordsProduced: 0 });
    handler.dispose(); // the real-time timer; the fake clock below drives the check instead

    const realNow = performance.now();
    vi.useFakeTimers({ toFake: ["performance"] }); // the fake clock starts at 0
    vi.advanceTimersByTime(realNow + 60_001);
    handler.handleChainStart({}, {}, "later-run", undefined); // any start checks open runs' age
    expect(handler.trackerStats()).toMatchObject({ openRuns: 1, evicted: 1, recordsProduced: 1 });
    const [evicted] = handler.records;
    expect(evicted).toMatchObject({ runType: "chat_model", status: "error", error: { type: "RunEvictedError" }, payload: { streamed: true } });
    expect(evicted!.durationMs).toBeGreaterThanOrEqual(60_000);
    expect(handler.errors).toHaveLength(1);
    expect(handler.errors[0]).toBeInstanceOf(RunEvictedError);
    expect(handler.errors[0]).toMatchObject({ reason: "ttl", runId: evicted!.runId });
    handler.handleChainEnd({}, "later-run");
    expect(handler.trackerStats().openRuns).toBe(0);
  });
});

describe("options are validated at construction", () => {
  it.each([
    [{ traceId: "" }, "traceId", '""'],
    [{ traceId: "x".repeat(129) }, "traceId", "at most 128 characters"],
    [{ maxStringLength: 3 }, "maxStringLength", "3"],
    [{ maxStringLength: 1.5 }, "maxStringLength", "1.5"],
    [{ maxOpenRuns: 0 }, "maxOpenRuns", "0"],
    [{ runTtlMs: -1 }, "runTtlMs", "-1"],
    [{ runTtlMs: Number.NaN }, "runTtlMs", "NaN"],
    [{ hideInputs: "yes" }, "hideInputs", '"yes"'],
    [{ hideOutputs: 1 }, "hideOutputs", "1"],
    [{ mask: "no" }, "mask", '"no"'],
    [{ onError: 42 }, "onError", "42"],
  ])("rejects %o naming %s and the value", (options, option, shown) => {
    let thrown: unknown;
    try {
      new RecordingHandler(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ option, code: "ERR_LLMOPS_CONFIG" });
    expect((thrown as Error).message).toContain(shown);
    expect((thrown as Error).message.startsWith(`${option}:`)).toBe(true);
  });

  it("accepts Infinity for runTtlMs (no eviction by age) and runs inline", () => {
    const handler = new RecordingHandler({ runTtlMs: Number.POSITIVE_INFINITY });
    expect(handler.awaitHandlers).toBe(true);
    expect(handler.copy()).toBe(handler);
  });
});
