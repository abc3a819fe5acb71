/** Hand-built RunRecords for the mapping tests (what the run tracker produces). */
import type { ModelPayload, RunRecord } from "langchain-llmops";

export const TRACE = "019a4f2e-7c1d-7b3a-9e21-5c8d0f6a1b22";
export const ROOT = TRACE;
export const MODEL_RUN = "019a4f2e-7c1e-7a11-8f00-aa11bb22cc33";
export const TOOL_RUN = "019a4f2e-7c1f-7d44-b123-0123456789ab";
export const START = 1_763_839_195_123.456;

export function modelPayload(overrides: Partial<ModelPayload> = {}): ModelPayload {
  return {
    kind: "model",
    model: "gpt-4o-mini",
    provider: "openai",
    serializedId: ["langchain", "chat_models", "openai", "ChatOpenAI"],
    invocationParams: { model: "gpt-4o-mini", temperature: 0, stream: false },
    inputMessages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Take 3 to the fifth power" },
    ],
    outputMessages: [
      { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "exponentiate", args: { base: 3, exponent: 5 } }] },
    ],
    finishReason: "tool_calls",
    usage: { promptTokens: 71, completionTokens: 18, totalTokens: 89, estimated: false },
    streamed: false,
    ...overrides,
  };
}

export function modelRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: MODEL_RUN,
    parentRunId: ROOT,
    traceId: TRACE,
    rootRunId: ROOT,
    runType: "chat_model",
    name: "ChatOpenAI",
    startTime: START,
    endTime: START + 38.25,
    durationMs: 38.25,
    status: "success",
    tags: ["seq:step:2"],
    metadata: { ls_provider: "openai", ls_model_name: "gpt-4o-mini", user_id: "u-7", langgraph_step: 1 },
    payload: modelPayload(),
    depth: 1,
    ...overrides,
  };
}

export function toolRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: TOOL_RUN,
    parentRunId: ROOT,
    traceId: TRACE,
    rootRunId: ROOT,
    runType: "tool",
    name: "exponentiate",
    startTime: START + 40,
    endTime: START + 41.5,
    durationMs: 1.5,
    status: "success",
    tags: [],
    metadata: {},
    payload: { kind: "tool", toolName: "exponentiate", input: { base: 3, exponent: 5 }, output: "243", toolCallId: "call_1" },
    depth: 1,
    ...overrides,
  };
}

export function chainRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: ROOT,
    traceId: TRACE,
    rootRunId: ROOT,
    runType: "chain",
    name: "LangGraph",
    startTime: START - 1,
    endTime: START + 50,
    durationMs: 51,
    status: "success",
    tags: [],
    metadata: {},
    payload: { kind: "chain", inputs: { messages: [] }, outputs: { messages: [] } },
    depth: 0,
    ...overrides,
  };
}
