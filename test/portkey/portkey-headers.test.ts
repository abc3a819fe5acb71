import { describe, expect, it } from "vitest";
import { createPortkeyHeaders, PORTKEY_GATEWAY_URL } from "../../src/portkey/portkey-headers.ts";
import { isPortkeyGateway, toGatewayPrefix } from "../../src/portkey/is-portkey-gateway.ts";

describe("createPortkeyHeaders", () => {
  it("maps every option to its x-portkey header as the wire page lists", () => {
    const headers = createPortkeyHeaders({
      apiKey: "pk-live-1",
      traceId: "req-123",
      spanId: "span-1",
      spanName: "answer",
      parentSpanId: "span-0",
      metadata: { _user: "u-42", _environment: "prod" },
      provider: "openai",
      virtualKey: "openai-vk-9",
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: "a" }, { virtual_key: "b" }] },
      debug: false,
    });
    expect(headers).toEqual({
      "x-portkey-api-key": "pk-live-1",
      "x-portkey-trace-id": "req-123",
      "x-portkey-span-id": "span-1",
      "x-portkey-span-name": "answer",
      "x-portkey-parent-span-id": "span-0",
      "x-portkey-metadata": '{"_user":"u-42","_environment":"prod"}',
      "x-portkey-provider": "openai",
      "x-portkey-virtual-key": "openai-vk-9",
      "x-portkey-config": '{"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"a"},{"virtual_key":"b"}]}',
      "x-portkey-debug": "false",
    });
  });

  it("skips empty values and accepts the SDK's traceID spelling and a saved config id", () => {
    expect(createPortkeyHeaders({ apiKey: "", traceID: "t-1", metadata: {}, provider: undefined, config: "pc-abc123" })).toEqual({
      "x-portkey-trace-id": "t-1",
      "x-portkey-config": "pc-abc123",
    });
    expect(createPortkeyHeaders({ traceId: "a", traceID: "b" })).toEqual({ "x-portkey-trace-id": "a" });
    expect(createPortkeyHeaders({ debug: true })).toEqual({ "x-portkey-debug": "true" });
    expect(createPortkeyHeaders({})).toEqual({});
  });

  it("exports the hosted gateway URL", () => {
    expect(PORTKEY_GATEWAY_URL).toBe("https://api.portkey.ai/v1");
  });
});

describe("isPortkeyGateway", () => {
  it("recognises the hosted gateway, the self-hosted default and x-portkey headers", () => {
    expect(isPortkeyGateway({ baseURL: PORTKEY_GATEWAY_URL })).toBe(true);
    expect(isPortkeyGateway({ baseURL: "https://API.portkey.ai/v1/" })).toBe(true);
    expect(isPortkeyGateway({ baseURL: "http://localhost:8787/v1" })).toBe(true);
    expect(isPortkeyGateway({ baseURL: "http://127.0.0.1:8787/v1" })).toBe(true);
    expect(isPortkeyGateway({ baseURL: "https://api.openai.com/v1", headerNames: ["x-portkey-trace-id"] })).toBe(true);
    expect(isPortkeyGateway({ headerNames: createHeaderNames() })).toBe(true);
  });

  it("does not mistake other endpoints for a gateway", () => {
    expect(isPortkeyGateway({})).toBe(false);
    expect(isPortkeyGateway({ baseURL: "https://api.openai.com/v1", headerNames: ["x-request-id"] })).toBe(false);
    expect(isPortkeyGateway({ baseURL: "http://localhost:8080/v1" })).toBe(false);
    expect(isPortkeyGateway({ baseURL: "https://portkey.ai.evil.example/v1" })).toBe(false);
    expect(isPortkeyGateway({ baseURL: "not a url" })).toBe(false);
  });

  it("matches user-listed gateways on path boundaries", () => {
    const prefixes = [toGatewayPrefix("https://gw.corp.example/portkey/v1/")!];
    expect(isPortkeyGateway({ baseURL: "https://gw.corp.example/portkey/v1" }, prefixes)).toBe(true);
    expect(isPortkeyGateway({ baseURL: "https://gw.corp.example/portkey/v1/chat" }, prefixes)).toBe(true);
    expect(isPortkeyGateway({ baseURL: "https://gw.corp.example/portkey/v10" }, prefixes)).toBe(false);
    expect(isPortkeyGateway({ baseURL: "https://gw.corp.example/other" }, prefixes)).toBe(false);
    expect(toGatewayPrefix("nope")).toBeUndefined();
  });
});

function createHeaderNames(): string[] {
  return Object.keys(createPortkeyHeaders({ apiKey: "k", provider: "openai" }));
}
