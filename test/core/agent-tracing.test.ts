import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelPayload, RunRecord, ToolPayload } from "langchain-llmops";
import { startOpenAIServer } from "../support/openai-server.ts";
import type { OpenAIServer } from "../support/openai-server.ts";
import { RecordingHandler } from "../support/recording-handler.ts";
import {
  SEED_ANSWER,
  SEED_MODEL_CALLS,
  SEED_STEPS,
  SEED_TOOL_CALLS,
  SEED_USAGE,
  createSeedAgent,
  seedInput,
  seedResponder,
} from "../support/seed-agent.ts";

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer({ respond: seedResponder });
});
afterAll(() => server.close());

function model(record: RunRecord): ModelPayload {
  if (record.payload.kind !== "model") throw new Error(`${record.name} is not a model run`);
  return record.payload;
}
function tool(record: RunRecord): ToolPayload {
  if (record.payload.kind !== "tool") throw new Error(`${record.name} is not a tool run`);
  return record.payload;
}
const byStart = (a: RunRecord, b: RunRecord) => a.startTime - b.startTime;

/** Checks one seed trace: a closed tree under a LangGraph root, in the right order, with usage and tool call ids. */
function expectSeedTrace(records: readonly RunRecord[]): RunRecord {
  const roots = records.filter((record) => record.parentRunId === undefined);
  expect(roots).toHaveLength(1);
  const root = roots[0]!;
  // The runtime argument order of handleChainStart: the root is the graph, named by runName, with no parent.
  expect(root).toMatchObject({ name: "LangGraph", runType: "chain", depth: 0, status: "success" });
  expect(root.externalParentRunId).toBeUndefined();
  expect(root.payload).toMatchObject({ kind: "chain", inputs: { messages: [{ role: "user", content: seedInput().messages[0]!.content }] } });

  const byId = new Map(records.map((record) => [record.runId, record]));
  expect(byId.size).toBe(records.length);
  for (const record of records) {
    expect(record.traceId).toBe(root.runId);
    expect(record.rootRunId).toBe(root.runId);
    expect(record.status).toBe("success");
    if (record === root) continue;
    const parent = byId.get(record.parentRunId!);
    expect(parent, `parent of ${record.name}`).toBeDefined();
    expect(record.depth).toBe(parent!.depth + 1);
    expect(record.startTime).toBeGreaterThanOrEqual(parent!.startTime);
    expect(record.endTime).toBeLessThanOrEqual(parent!.endTime + 0.001);
  }

  const models = records.filter((record) => record.runType === "chat_model").sort(byStart);
  const tools = records.filter((record) => record.runType === "tool").sort(byStart);
  expect(models).toHaveLength(SEED_MODEL_CALLS);
  expect(tools).toHaveLength(SEED_TOOL_CALLS);
  models.forEach((run, i) => {
    expect(byId.get(run.parentRunId!)?.name).toBe("model_request");
    expect(model(run).usage).toMatchObject({
      promptTokens: SEED_USAGE[i]!.prompt_tokens,
      completionTokens: SEED_USAGE[i]!.completion_tokens,
      totalTokens: SEED_USAGE[i]!.prompt_tokens + SEED_USAGE[i]!.completion_tokens,
      estimated: false,
    });
    expect(model(run).model).toBe("gpt-4o-mini");
  });
  expect(model(models[2]!).usage?.cachedPromptTokens).toBe(128);
  expect(model(models[3]!).finishReason).toBe("stop");
  expect(model(models[3]!).outputMessages[0]!.content).toContain(String(SEED_ANSWER));

  // model → tool → model → tool …, each tool answering the call the model before it made.
  tools.forEach((run, i) => {
    const asked = model(models[i]!).outputMessages[0]!.toolCalls![0]!;
    expect(run.name).toBe(SEED_STEPS[i]!.tool);
    expect(byId.get(run.parentRunId!)?.name).toBe("tools");
    expect(tool(run)).toMatchObject({ toolName: SEED_STEPS[i]!.tool, input: SEED_STEPS[i]!.args, output: String(SEED_STEPS[i]!.result) });
    expect(tool(run).toolCallId).toBe(asked.id);
    expect(asked).toMatchObject({ name: SEED_STEPS[i]!.tool, args: SEED_STEPS[i]!.args });
    expect(run.startTime).toBeGreaterThanOrEqual(models[i]!.endTime);
    expect(run.endTime).toBeLessThanOrEqual(models[i + 1]!.startTime);
  });
  // The next model call sees the tool result as a tool message with its call id.
  expect(model(models[1]!).inputMessages.at(-1)).toEqual({ role: "tool", content: "243", name: "exponentiate", toolCallId: tool(tools[0]!).toolCallId });
  // Records arrive in end order: the root last.
  expect(records.at(-1)).toBe(root);
  return root;
}

describe("the seed agent (createAgent, multiply/exponentiate) traced through config callbacks", () => {
  it("forms one trace: a closed tree of parent links, tool runs with toolCallId, model runs with usage, in order", async () => {
    const handler = new RecordingHandler();
    const result = await createSeedAgent({ baseURL: server.baseURL }).invoke(seedInput(), { callbacks: [handler] });
    expect(result.messages.at(-1)?.text).toContain(String(SEED_ANSWER));
    expectSeedTrace(handler.records);
    expect(handler.trackerStats()).toMatchObject({
      openRuns: 0,
      recordsProduced: handler.records.length,
      recordsDelivered: handler.records.length,
      duplicateStartsIgnored: 0,
      unknownEndsIgnored: 0,
      evicted: 0,
      handlerErrors: 0,
    });
    expect(handler.errors).toEqual([]);
  });

  it("uses a trace id from config.metadata (traceId or trace_id) for every run", async () => {
    for (const key of ["traceId", "trace_id"]) {
      const handler = new RecordingHandler({ traceId: "option-loses" });
      await createSeedAgent({ baseURL: server.baseURL }).invoke(seedInput(), { callbacks: [handler], metadata: { [key]: `conv-${key}` } });
      expect(handler.records.length).toBeGreaterThan(SEED_MODEL_CALLS + SEED_TOOL_CALLS);
      expect(new Set(handler.records.map((record) => record.traceId))).toEqual(new Set([`conv-${key}`]));
    }
  });

  it("keeps 100 concurrent invocations apart: every record in its own trace, none lost", async () => {
    const handler = new RecordingHandler();
    const agent = createSeedAgent({ baseURL: server.baseURL });
    const requestsBefore = server.requests.length;
    const results = await Promise.all(Array.from({ length: 100 }, () => agent.invoke(seedInput(), { callbacks: [handler] })));
    expect(results.every((result) => result.messages.at(-1)?.text.includes(String(SEED_ANSWER)))).toBe(true);
    expect(server.requests.length - requestsBefore).toBe(100 * SEED_MODEL_CALLS);

    const traces = new Map<string, RunRecord[]>();
    for (const record of handler.records) traces.set(record.traceId, [...(traces.get(record.traceId) ?? []), record]);
    expect(traces.size).toBe(100);
    const perTrace = new Set<number>();
    for (const records of traces.values()) {
      expectSeedTrace(records);
      perTrace.add(records.length);
    }
    expect(perTrace.size).toBe(1); // every invocation produced the same number of runs
    const [runsPerInvocation] = perTrace;
    expect(handler.records).toHaveLength(100 * runsPerInvocation!);
    expect(new Set(handler.records.map((record) => record.runId)).size).toBe(handler.records.length);
    expect(handler.trackerStats()).toMatchObject({ openRuns: 0, runsStarted: handler.records.length, recordsDelivered: handler.records.length });
  });
});

describe("the seed agent with the handler on the model constructor only", () => {
  it("sees only the model's runs; each call is a root of its own trace", async () => {
    const handler = new RecordingHandler();
    const agent = createSeedAgent({ baseURL: server.baseURL, callbacks: [handler] });
    await agent.invoke(seedInput());
    expect(handler.records.map((record) => record.runType)).toEqual(Array(SEED_MODEL_CALLS).fill("chat_model"));
    for (const record of handler.records) {
      expect(record.parentRunId).toBeUndefined();
      expect(record.depth).toBe(0);
      expect(record.rootRunId).toBe(record.runId);
    }
    // No parent seen, no parent reported: each call's trace is its own run id.
    for (const record of handler.records) {
      expect(record.externalParentRunId).toBeUndefined();
      expect(record.traceId).toBe(record.runId);
    }
    expect(new Set(handler.records.map((record) => record.traceId)).size).toBe(SEED_MODEL_CALLS);
    expect(handler.records.map((record) => model(record).usage?.promptTokens)).toEqual(SEED_USAGE.map((usage) => usage.prompt_tokens));
  });

  it("keeps those calls in one trace with the traceId option", async () => {
    const handler = new RecordingHandler({ traceId: "support-ticket-42" });
    await createSeedAgent({ baseURL: server.baseURL, callbacks: [handler] }).invoke(seedInput());
    expect(handler.records).toHaveLength(SEED_MODEL_CALLS);
    expect(handler.records.every((record) => record.traceId === "support-ticket-42" && record.parentRunId === undefined)).toBe(true);
  });

  it("joins the caller's trace when config carries another handler: external parent kept, siblings share a trace", async () => {
    const local = new RecordingHandler();
    const outer = new RecordingHandler();
    await createSeedAgent({ baseURL: server.baseURL, callbacks: [local] }).invoke(seedInput(), { callbacks: [outer] });
    expect(local.records).toHaveLength(SEED_MODEL_CALLS);
    const outerIds = new Map(outer.records.map((record) => [record.runId, record]));
    for (const record of local.records) {
      // The local handler never saw the model_request chain: the call is a root here, its LangChain parent kept.
      expect(record.parentRunId).toBeUndefined();
      expect(outerIds.get(record.externalParentRunId!)?.name).toBe("model_request");
      expect(record.traceId).toBe(record.externalParentRunId);
      // The outer handler saw the same run inside its tree.
      expect(outerIds.get(record.runId)?.parentRunId).toBe(record.externalParentRunId);
    }
  });
});
