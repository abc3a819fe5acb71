import { describe, expect, it } from "vitest";
import { toPortkeyLog } from "../../src/portkey/to-portkey-log.ts";
import { toGatewayPrefix } from "../../src/portkey/is-portkey-gateway.ts";
import { chainRecord, chatRecord, toolRecord } from "./run-records.ts";

const options = { metadata: { _user: "u-42" }, gatewayPrefixes: [] };

describe("toPortkeyLog: chat model runs", () => {
  it("shapes the request like an OpenAI chat request, tool calls and tool results included", () => {
    const log = toPortkeyLog(chatRecord(), options)!;
    expect(log.request.url).toBe("http://127.0.0.1:4010/v1/chat/completions");
    expect(log.request.method).toBe("POST");
    expect(log.request.provider).toBe("openai");
    expect(log.request.body).toEqual({
      model: "gpt-4o-mini",
      temperature: 0,
      stream: false,
      tools: [{ type: "function", function: { name: "multiply", description: "Multiply two integers together.", parameters: { type: "object" } } }],
      messages: [
        { role: "system", content: "You are a calculator." },
        { role: "user", content: "Take 3 to the fifth power" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "exponentiate", arguments: '{"base":3,"exponent":5}' } }] },
        { role: "tool", content: "243", name: "exponentiate", tool_call_id: "call_1" },
      ],
    });
  });

  it("shapes the response like an OpenAI chat.completion with the real usage", () => {
    const record = chatRecord();
    const log = toPortkeyLog(record, options)!;
    expect(log.response.status).toBe(200);
    expect(log.response.response_time).toBe(813);
    expect(Number.isInteger(log.response.response_time)).toBe(true);
    expect(log.response.streamingMode).toBe(false);
    expect(log.response.body).toEqual({
      id: "chatcmpl-abc",
      object: "chat.completion",
      created: Math.floor(record.endTime / 1000),
      model: "gpt-4o-mini",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: null, tool_calls: [{ id: "call_2", type: "function", function: { name: "multiply", arguments: '{"first_int":243,"second_int":36}' } }] },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 71, completion_tokens: 18, total_tokens: 89, prompt_tokens_details: { cached_tokens: 64 } },
    });
  });

  it("keeps a plain answer's text and computes a missing total", () => {
    const log = toPortkeyLog(
      chatRecord({}, {
        outputMessages: [{ role: "assistant", content: "76,527,504" }],
        finishReason: undefined,
        usage: { promptTokens: 120, completionTokens: 9, estimated: true },
        streamed: true,
      }),
      options,
    )!;
    const body = log.response.body as { choices: unknown[]; usage: unknown };
    expect(body.choices).toEqual([{ index: 0, message: { role: "assistant", content: "76,527,504" }, finish_reason: "stop" }]);
    expect(body.usage).toEqual({ prompt_tokens: 120, completion_tokens: 9, total_tokens: 129 });
    expect(log.response.streamingMode).toBe(true);
    expect(log.metadata.usageEstimated).toBe("true");
  });

  it("reports a failed call with the provider's status and an OpenAI-style error body", () => {
    const log = toPortkeyLog(
      chatRecord({ status: "error", error: { type: "RateLimitError", message: "429 Rate limit reached", status: 429, code: "rate_limit_exceeded" } }, { outputMessages: [], usage: undefined }),
      options,
    )!;
    expect(log.response.status).toBe(429);
    expect(log.response.body).toEqual({ error: { message: "429 Rate limit reached", type: "RateLimitError", code: "rate_limit_exceeded" } });
    expect((log.request.body as { messages: unknown[] }).messages).toHaveLength(4);
  });

  it("uses 500 when the provider's status is unknown or not an error status", () => {
    const log = toPortkeyLog(chatRecord({ status: "error", error: { type: "TypeError", message: "fetch failed" } }), options)!;
    expect(log.response.status).toBe(500);
    for (const status of [0, 200, 302, 600, 429.5]) {
      expect(toPortkeyLog(chatRecord({ status: "error", error: { type: "E", message: "m", status } }), options)!.response.status).toBe(500);
    }
    expect(log.response.body).toEqual({ error: { message: "fetch failed", type: "TypeError" } });
  });

  it("gives a failed run without error details an error body all the same", () => {
    const log = toPortkeyLog(chainRecord({ status: "error" }), options)!;
    expect(log.response.status).toBe(500);
    expect(log.response.body).toEqual({ error: { message: "", type: "Error" } });
  });

  it("falls back to OpenAI's URL and to invocation params for the model name", () => {
    const log = toPortkeyLog(chatRecord({}, { baseURL: undefined, model: undefined }), options)!;
    expect(log.request.url).toBe("https://api.openai.com/v1/chat/completions");
    expect(toPortkeyLog(chatRecord({}, { provider: "" }), options)!.request.provider).toBe("openai");
    expect(toPortkeyLog(chatRecord({}, { provider: undefined, serializedId: undefined }), options)!.request.provider).toBe("langchain");
    expect((log.response.body as { model: string }).model).toBe("gpt-4o-mini");
  });

  it("maps a text LLM run to a completions request and a text_completion", () => {
    const log = toPortkeyLog(
      chatRecord({ runType: "llm", name: "OpenAI" }, { inputMessages: [], prompts: ["Say hi"], outputMessages: [{ role: "assistant", content: "hi" }], finishReason: "stop" }),
      options,
    )!;
    expect(log.request.url).toBe("http://127.0.0.1:4010/v1/completions");
    expect(log.request.body.prompt).toEqual(["Say hi"]);
    expect(log.request.body.messages).toBeUndefined();
    expect(log.response.body).toMatchObject({ object: "text_completion", choices: [{ index: 0, text: "hi", finish_reason: "stop" }] });
  });

  it("sends nothing for a model behind a Portkey gateway", () => {
    expect(toPortkeyLog(chatRecord({}, { baseURL: "https://api.portkey.ai/v1" }), options)).toBeUndefined();
    expect(toPortkeyLog(chatRecord({}, { headerNames: ["x-portkey-api-key", "x-portkey-provider"] }), options)).toBeUndefined();
    const listed = { ...options, gatewayPrefixes: [toGatewayPrefix("https://gw.internal.example/v1/")!] };
    expect(toPortkeyLog(chatRecord({}, { baseURL: "https://gw.internal.example/v1" }), listed)).toBeUndefined();
    expect(toPortkeyLog(chatRecord(), listed)).toBeDefined();
    // Chain and tool spans around a gateway call are still sent.
    expect(toPortkeyLog(toolRecord(), listed)).toBeDefined();
  });
});

describe("toPortkeyLog: trace fields", () => {
  it("puts camelCase trace fields in metadata and snake_case ones at the top level", () => {
    const record = chatRecord();
    const log = toPortkeyLog(record, options)!;
    expect(log.trace_id).toBe("req-123");
    expect(log.span_id).toBe(record.runId);
    expect(log.parent_span_id).toBe(record.parentRunId);
    expect(log.span_name).toBe("ChatOpenAI");
    expect(log.start_time).toBeCloseTo(record.startTime / 1000, 6);
    expect(log.metadata).toMatchObject({ traceId: "req-123", spanId: record.runId, parentSpanId: record.parentRunId, spanName: "ChatOpenAI" });
  });

  it("gives a root span no parent at all", () => {
    const log = toPortkeyLog(chainRecord({ externalParentRunId: "019a0000-0000-7000-8000-0000000000ff" }), options)!;
    expect("parent_span_id" in log).toBe(false);
    expect("parentSpanId" in log.metadata).toBe(false);
    expect(JSON.stringify(log)).not.toContain("0000000000ff");
  });
});

describe("toPortkeyLog: chain, tool and retriever spans", () => {
  it("carries a chain's inputs and outputs", () => {
    const log = toPortkeyLog(chainRecord(), options)!;
    expect(log.request).toEqual({ url: "langchain://chain/LangGraph", method: "POST", provider: "langchain", headers: {}, body: { messages: [{ role: "user", content: "hi" }] } });
    expect(log.response.body).toEqual({ answer: "hello" });
    expect(log.response.response_time).toBe(1234);
  });

  it("wraps non-object inputs and outputs", () => {
    const log = toPortkeyLog(chainRecord({}, { inputs: "plain", outputs: [1, 2] }), options)!;
    expect(log.request.body).toEqual({ input: "plain" });
    expect(log.response.body).toEqual({ output: [1, 2] });
  });

  it("carries a tool's input, call id and output", () => {
    const log = toPortkeyLog(toolRecord(), options)!;
    expect(log.request.url).toBe("langchain://tool/multiply");
    expect(log.request.body).toEqual({ name: "multiply", input: { first_int: 243, second_int: 36 }, tool_call_id: "call_2" });
    expect(log.response.body).toEqual({ output: "8748" });
  });

  it("reports a failed tool with status 500", () => {
    const log = toPortkeyLog(toolRecord({ status: "error", error: { type: "ToolInputParsingException", message: "bad args" } }, { output: undefined }), options)!;
    expect(log.response.status).toBe(500);
    expect(log.response.body).toEqual({ error: { message: "bad args", type: "ToolInputParsingException" } });
  });

  it("carries a retriever's query and documents, and custom events", () => {
    const record = chainRecord({
      runType: "retriever",
      name: "VectorStoreRetriever",
      payload: { kind: "retriever", query: "portkey", documents: [{ pageContent: "Portkey is a gateway", metadata: { source: "a.md" }, id: "d1" }] },
      events: [{ name: "reranked", data: { kept: 1 }, time: 1763840000000 }],
    });
    const log = toPortkeyLog(record, options)!;
    expect(log.request.body).toEqual({ query: "portkey" });
    expect(log.response.body).toEqual({
      documents: [{ pageContent: "Portkey is a gateway", metadata: { source: "a.md" }, id: "d1" }],
      events: [{ name: "reranked", data: { kept: 1 }, time: 1763840000000 }],
    });
  });

  it("keeps legacy agent actions on the chain span", () => {
    const log = toPortkeyLog(
      chainRecord({}, { agentActions: [{ tool: "multiply", toolInput: { a: 1 }, log: "calling", time: 5 }], agentFinish: { returnValues: { output: "x" }, log: "done" } }),
      options,
    )!;
    expect(log.response.body).toMatchObject({
      answer: "hello",
      agent_actions: [{ tool: "multiply", tool_input: { a: 1 }, log: "calling", time: 5 }],
      agent_finish: { return_values: { output: "x" }, log: "done" },
    });
  });

  it("produces a log that survives a JSON round trip unchanged", () => {
    for (const record of [chainRecord(), toolRecord(), chatRecord()]) {
      const log = toPortkeyLog(record, options)!;
      expect(JSON.parse(JSON.stringify(log))).toEqual(log);
    }
  });
});
