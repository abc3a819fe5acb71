import type { ChainPayload, ModelPayload, RunRecord, ToolPayload } from "langchain-llmops";

/** Hand-built RunRecords for the mapping tests: realistic values, overridable per test. */
const START = Date.UTC(2026, 10, 22, 19, 30, 0) + 0.25;

export function chainRecord(overrides: Partial<RunRecord> = {}, payload: Partial<ChainPayload> = {}): RunRecord {
  return {
    runId: "019a0000-0000-7000-8000-000000000001",
    traceId: "req-123",
    rootRunId: "019a0000-0000-7000-8000-000000000001",
    runType: "chain",
    name: "LangGraph",
    startTime: START,
    endTime: START + 1234.4,
    durationMs: 1234.4,
    status: "success",
    tags: [],
    metadata: {},
    depth: 0,
    payload: { kind: "chain", inputs: { messages: [{ role: "user", content: "hi" }] }, outputs: { answer: "hello" }, ...payload },
    ...overrides,
  };
}

export function toolRecord(overrides: Partial<RunRecord> = {}, payload: Partial<ToolPayload> = {}): RunRecord {
  return chainRecord({
    runId: "019a0000-0000-7000-8000-000000000003",
    parentRunId: "019a0000-0000-7000-8000-000000000002",
    runType: "tool",
    name: "multiply",
    depth: 2,
    payload: { kind: "tool", toolName: "multiply", input: { first_int: 243, second_int: 36 }, output: "8748", toolCallId: "call_2", ...payload },
    ...overrides,
  });
}

export function chatRecord(overrides: Partial<RunRecord> = {}, payload: Partial<ModelPayload> = {}): RunRecord {
  return chainRecord({
    runId: "019a0000-0000-7000-8000-000000000004",
    parentRunId: "019a0000-0000-7000-8000-000000000002",
    runType: "chat_model",
    name: "ChatOpenAI",
    durationMs: 812.6,
    endTime: START + 812.6,
    depth: 2,
    metadata: { ls_provider: "openai", ls_model_name: "gpt-4o-mini", ls_temperature: 0, langgraph_step: 1 },
    tags: ["seq:step:1"],
    payload: {
      kind: "model",
      model: "gpt-4o-mini",
      provider: "openai",
      serializedId: ["langchain", "chat_models", "openai", "ChatOpenAI"],
      baseURL: "http://127.0.0.1:4010/v1",
      headerNames: [],
      invocationParams: {
        model: "gpt-4o-mini",
        temperature: 0,
        stream: false,
        tools: [{ type: "function", function: { name: "multiply", description: "Multiply two integers together.", parameters: { type: "object" } } }],
      },
      inputMessages: [
        { role: "system", content: "You are a calculator." },
        { role: "user", content: "Take 3 to the fifth power" },
        { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "exponentiate", args: { base: 3, exponent: 5 } }] },
        { role: "tool", content: "243", toolCallId: "call_1", name: "exponentiate" },
      ],
      outputMessages: [{ role: "assistant", content: "", toolCalls: [{ id: "call_2", name: "multiply", args: { first_int: 243, second_int: 36 } }] }],
      finishReason: "tool_calls",
      usage: { promptTokens: 71, completionTokens: 18, totalTokens: 89, cachedPromptTokens: 64, estimated: false },
      streamed: false,
      responseId: "chatcmpl-abc",
      ...payload,
    },
    ...overrides,
  });
}
