import { describe, expect, it } from "vitest";
import { isSecretKey, redactUrl } from "../../src/core/redact.ts";
import { sanitize } from "../../src/core/sanitize.ts";
import { extractUsage } from "../../src/core/usage.ts";
import { toRunError } from "../../src/core/run-error.ts";
import { toRecordMessage } from "../../src/core/messages.ts";
import { AIMessage, ChatMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";

const limits = { maxStringLength: 50 };

describe("isSecretKey", () => {
  it.each(["apiKey", "api_key", "openai_api_key", "x-portkey-api-key", "X-API-KEY", "Authorization", "access_token", "token", "sessionToken", "client_secret", "password", "defaultHeaders", "Cookie", "x-portkey-virtual-key", "virtualKey", "Ocp-Apim-Subscription-Key"])(
    "strips %s",
    (key) => expect(isSecretKey(key)).toBe(true),
  );
  it.each(["max_tokens", "total_tokens", "tokenUsage", "input_tokens", "model", "temperature", "keywords", "stream"])("keeps %s", (key) =>
    expect(isSecretKey(key)).toBe(false),
  );
});

describe("redactUrl", () => {
  it("keeps scheme, host and path only", () => {
    expect(redactUrl("https://user:pw@gateway.example.com:8443/v1/?api-key=SECRET#x")).toBe("https://gateway.example.com:8443/v1");
    expect(redactUrl("file:///etc/passwd")).toBeUndefined();
    expect(redactUrl(42)).toBeUndefined();
  });
});

describe("sanitize bounds", () => {
  it("bounds depth, array length, key count and total size", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const walked = JSON.stringify(sanitize(deep, limits));
    expect(walked).toContain('"[Object]"');
    expect(walked).not.toContain("bottom");

    const long = sanitize(Array.from({ length: 1_005 }, (_, i) => i), limits) as unknown[];
    expect(long).toHaveLength(1_001);
    expect(long.at(-1)).toBe("…[5 more items]");

    const wide = sanitize(Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, i])), limits) as Record<string, unknown>;
    expect(Object.keys(wide)).toHaveLength(501);
    expect(wide["…"]).toBe("[100 more keys]");

    const shared = { a: 1 };
    const dag = Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => [shared, shared, shared]));
    expect(JSON.stringify(sanitize(dag, { ...limits, maxNodes: 1_000 }))).toContain("[Truncated]");
  });

  it("describes binary data instead of copying it, and keeps only a configuration's base URL", () => {
    expect(sanitize({ image: new Uint8Array(2048), buf: new ArrayBuffer(8) }, limits)).toEqual({ image: "[Uint8Array 2048 bytes]", buf: "[ArrayBuffer 8 bytes]" });
    expect(sanitize({ configuration: { baseURL: "https://api.portkey.ai/v1?k=1", apiKey: "x", fetch: () => 1 } }, limits)).toEqual({
      configuration: { baseURL: "https://api.portkey.ai/v1" },
    });
  });
});

describe("extractUsage", () => {
  it("falls back to llmOutput.tokenUsage, then to estimatedTokenUsage marked estimated", () => {
    expect(extractUsage({ generations: [[{ text: "" }]], llmOutput: { tokenUsage: { promptTokens: 3, completionTokens: 4 } } })).toEqual({
      promptTokens: 3,
      completionTokens: 4,
      totalTokens: 7,
      estimated: false,
    });
    expect(extractUsage({ generations: [], llmOutput: { estimatedTokenUsage: { promptTokens: 5, completionTokens: 1, totalTokens: 6 } } })).toEqual({
      promptTokens: 5,
      completionTokens: 1,
      totalTokens: 6,
      estimated: true,
    });
    expect(extractUsage({ generations: [] })).toBeUndefined();
  });
});

describe("toRunError", () => {
  it("reads status and code from provider errors, and survives non-errors", () => {
    const providerError = Object.assign(new Error("Overloaded"), { response: { status: 529 }, error: { code: "overloaded_error" } });
    expect(toRunError(providerError, 100)).toEqual({ type: "Error", message: "Overloaded", status: 529, code: "overloaded_error" });
    expect(toRunError("plain string", 5)).toEqual({ type: "string", message: "plain…[truncated 7 chars]" });
    expect(toRunError(undefined, 100)).toEqual({ type: "undefined", message: "undefined" });
  });
});

describe("toRecordMessage", () => {
  it("maps roles and keeps tool calls, tool call ids and multi-part content", () => {
    expect(toRecordMessage(new SystemMessage({ content: "be brief", additional_kwargs: { __openai_role__: "developer" } }), limits)).toEqual({
      role: "developer",
      content: "be brief",
    });
    expect(toRecordMessage(new ChatMessage({ content: "hi", role: "critic" }), limits)).toEqual({ role: "critic", content: "hi" });
    expect(toRecordMessage(new ToolMessage({ content: "42", tool_call_id: "call_9", name: "calc" }), limits)).toEqual({
      role: "tool",
      content: "42",
      name: "calc",
      toolCallId: "call_9",
    });
    const ai = new AIMessage({
      content: [
        { type: "text", text: "calling" },
        { type: "image_url", image_url: { url: "https://x/y.png" } },
      ],
      tool_calls: [{ id: "call_1", name: "calc", args: { a: 1 } }],
      invalid_tool_calls: [{ id: "call_2", name: "calc", args: "{broken", error: "bad json" }],
    });
    expect(toRecordMessage(ai, limits)).toEqual({
      role: "assistant",
      content: [
        { type: "text", text: "calling" },
        { type: "image_url", image_url: { url: "https://x/y.png" } },
      ],
      toolCalls: [
        { id: "call_1", name: "calc", args: { a: 1 } },
        { id: "call_2", name: "calc", args: "{broken" },
      ],
    });
  });
});
