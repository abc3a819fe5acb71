import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toSpanIdHex, toTraceIdHex } from "../../src/promptlayer/span-ids.ts";
import { toLogRequest } from "../../src/promptlayer/to-log-request.ts";
import { toEpochNanos, toPromptLayerSpan } from "../../src/promptlayer/to-promptlayer-span.ts";
import { chainRecord, MODEL_RUN, modelPayload, modelRecord, ROOT, START, TOOL_RUN, toolRecord, TRACE } from "./records.ts";

const context = { serviceName: "checkout", plTags: ["chatopenai"] };
/** What goes on the wire: the JSON text, parsed back. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary wire JSON
const wire = (value: unknown): any => JSON.parse(JSON.stringify(value));

describe("span ids", () => {
  it("a UUID trace id is its own hex; the span id is the UUID's random tail", () => {
    expect(toTraceIdHex(TRACE)).toBe("019a4f2e7c1d7b3a9e215c8d0f6a1b22");
    expect(toSpanIdHex(MODEL_RUN)).toBe("8f00aa11bb22cc33");
    // Two UUID v7 run ids from the same millisecond share their first 64 bits but not their span ids.
    expect(toSpanIdHex("019a4f2e-7c1e-7a11-8f00-000000000001")).not.toBe(toSpanIdHex("019a4f2e-7c1e-7a11-8f00-000000000002"));
  });

  it("a user trace id that is no UUID hashes deterministically to 32 hex", () => {
    const expected = createHash("sha256").update("checkout-42").digest("hex").slice(0, 32);
    expect(toTraceIdHex("checkout-42")).toBe(expected);
    expect(toTraceIdHex("checkout-42")).toMatch(/^[0-9a-f]{32}$/);
    expect(toSpanIdHex("not-a-uuid")).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("toPromptLayerSpan", () => {
  it("maps a chat-model run to a CLIENT span with a complete log_request", () => {
    const span = wire(toPromptLayerSpan(modelRecord(), context));
    expect(span.name).toBe("ChatOpenAI");
    expect(span.context).toEqual({ trace_id: "019a4f2e7c1d7b3a9e215c8d0f6a1b22", span_id: "8f00aa11bb22cc33", trace_state: "" });
    expect(span.parent_id).toBe(toSpanIdHex(ROOT));
    expect(span.kind).toBe("SpanKind.CLIENT");
    expect(Number.isInteger(span.start_time)).toBe(true);
    expect(Math.abs(span.start_time - START * 1e6)).toBeLessThan(1000);
    expect(Math.abs(span.end_time - span.start_time - 38.25e6)).toBeLessThan(1000);
    expect(span.status).toEqual({ status_code: "StatusCode.OK", description: "" });
    expect(span.resource).toEqual({ attributes: { "service.name": "checkout" }, schema_url: "" });
    expect(span.attributes["gen_ai.usage.input_tokens"]).toBe(71);

    const log = span.log_request;
    expect(log.provider).toBe("openai");
    expect(log.model).toBe("gpt-4o-mini");
    expect(log.input).toEqual({
      type: "chat",
      messages: [
        { role: "system", content: [{ type: "text", text: "You are terse." }] },
        { role: "user", content: [{ type: "text", text: "Take 3 to the fifth power" }] },
      ],
    });
    expect(log.output).toEqual({
      type: "chat",
      messages: [
        {
          role: "assistant",
          content: [],
          tool_calls: [{ id: "call_1", type: "function", function: { name: "exponentiate", arguments: '{"base":3,"exponent":5}' } }],
        },
      ],
    });
    expect(log.parameters).toEqual({ temperature: 0, stream: false });
    expect(log.tags).toEqual(["chatopenai", "seq:step:2"]);
    expect(log.input_tokens).toBe(71);
    expect(log.output_tokens).toBe(18);
    expect(log.request_start_time).toBe(new Date(START).toISOString());
    expect(log.request_end_time).toBe(new Date(START + 38.25).toISOString());
    expect(log.function_name).toBe("langchain.chat_models.openai.ChatOpenAI");
    expect(log.status).toBe("SUCCESS");
    expect(log.metadata).toEqual({
      user_id: "u-7",
      langgraph_step: "1",
      _langchain_run_id: MODEL_RUN,
      _langchain_parent_run_id: ROOT,
      _langchain_trace_id: TRACE,
    });
    for (const value of Object.values(log.metadata)) expect(typeof value).toBe("string");
  });

  it("keeps tool results as role tool with tool_call_id, and multi-part content as blocks", () => {
    const record = modelRecord({
      payload: modelPayload({
        inputMessages: [
          { role: "user", content: [{ type: "text", text: "what is in it?" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] },
          { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "exponentiate", args: { base: 3, exponent: 5 } }] },
          { role: "tool", content: "243", toolCallId: "call_1", name: "exponentiate" },
        ],
        outputMessages: [{ role: "assistant", content: "243" }],
      }),
    });
    const log = wire(toLogRequest(record, { plTags: [] }));
    expect(log.input.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "what is in it?" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] },
      {
        role: "assistant",
        content: [],
        tool_calls: [{ id: "call_1", type: "function", function: { name: "exponentiate", arguments: '{"base":3,"exponent":5}' } }],
      },
      { role: "tool", content: [{ type: "text", text: "243" }], name: "exponentiate", tool_call_id: "call_1" },
    ]);
    expect(log.output.messages).toEqual([{ role: "assistant", content: [{ type: "text", text: "243" }] }]);
  });

  it("logs a failed call with status ERROR, the error type and a message cut to 1024 characters", () => {
    const record = modelRecord({
      status: "error",
      error: { type: "RateLimitError", message: "x".repeat(5000), status: 429 },
      payload: modelPayload({ outputMessages: [], usage: undefined }),
    });
    const span = wire(toPromptLayerSpan(record, context));
    expect(span.status.status_code).toBe("StatusCode.ERROR");
    expect(span.attributes["http.response.status_code"]).toBe(429);
    expect(span.log_request.status).toBe("ERROR");
    expect(span.log_request.error_type).toBe("RateLimitError");
    expect(span.log_request.error_message.length).toBeLessThanOrEqual(1024);
    expect(span.log_request.output).toEqual({ type: "chat", messages: [] });
    expect(span.log_request).not.toHaveProperty("input_tokens");
  });

  it("logs a text LLM as a completion blueprint", () => {
    const record = modelRecord({
      runType: "llm",
      payload: modelPayload({
        serializedId: ["langchain", "llms", "openai", "OpenAI"],
        inputMessages: [],
        prompts: ["Once upon a time, "],
        outputMessages: [{ role: "assistant", content: "there was a toaster." }],
      }),
    });
    const log = wire(toLogRequest(record, { plTags: ["langchain", "gpt4all"] }));
    expect(log.input).toEqual({ type: "completion", content: [{ type: "text", text: "Once upon a time, " }] });
    expect(log.output).toEqual({ type: "completion", content: [{ type: "text", text: "there was a toaster." }] });
    expect(log.function_name).toBe("langchain.llms.openai.OpenAI");
    expect(log.tags).toEqual(["langchain", "gpt4all", "seq:step:2"]);
  });

  it("cuts tags to 512 characters and links a registry template when given", () => {
    const record = modelRecord({ tags: ["t".repeat(600)] });
    const log = wire(
      toLogRequest(record, { plTags: [], prompt: { name: "example", version: 2, inputVariables: { product: "toasters" } } }),
    );
    expect(log.tags[0].length).toBe(512);
    expect(log.prompt_name).toBe("example");
    expect(log.prompt_version_number).toBe(2);
    expect(log.prompt_input_variables).toEqual({ product: "toasters" });
    const byLabel = wire(toLogRequest(record, { plTags: [], prompt: { name: "example", label: "prod" } }));
    expect(byLabel.prompt_name).toBe("example");
    expect(byLabel).not.toHaveProperty("prompt_version_number");
    expect(byLabel.metadata.prompt_label).toBe("prod");
  });

  it("maps tool and chain runs to INTERNAL spans with JSON inputs and outputs, and no log_request", () => {
    const tool = wire(toPromptLayerSpan(toolRecord(), context));
    expect(tool.kind).toBe("SpanKind.INTERNAL");
    expect(tool.context.span_id).toBe(toSpanIdHex(TOOL_RUN));
    expect(tool.parent_id).toBe(toSpanIdHex(ROOT));
    expect(tool.attributes.function_input).toBe('{"base":3,"exponent":5}');
    expect(tool.attributes.function_output).toBe("243");
    expect(tool.attributes["gen_ai.tool.call.id"]).toBe("call_1");
    expect(tool).not.toHaveProperty("log_request");

    const root = wire(toPromptLayerSpan(chainRecord({ events: [{ name: "step", data: { n: 1 }, time: START }] }), context));
    expect(root.parent_id).toBeNull();
    expect(root.context.span_id).toBe(toSpanIdHex(ROOT));
    expect(root.events).toEqual([{ name: "step", timestamp: toEpochNanos(START), attributes: { data: '{"n":1}' } }]);
  });

  it("a run whose parent this handler never saw is a root span, its LangChain parent kept in metadata", () => {
    const record = modelRecord({ parentRunId: undefined, externalParentRunId: "019a4f2e-0000-7000-8000-000000000009" });
    const span = wire(toPromptLayerSpan(record, context));
    expect(span.parent_id).toBeNull();
    expect(span.log_request.metadata._langchain_parent_run_id).toBe("019a4f2e-0000-7000-8000-000000000009");
  });
});
