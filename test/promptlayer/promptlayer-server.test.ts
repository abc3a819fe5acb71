/** The local PromptLayer validates like the real service, so the other tests can trust a 201. */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests spoil arbitrary wire JSON */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toPromptLayerSpan } from "../../src/promptlayer/to-promptlayer-span.ts";
import { startPromptLayerServer } from "../support/promptlayer-server.ts";
import type { PromptLayerServer } from "../support/promptlayer-server.ts";
import { modelRecord, toolRecord } from "./records.ts";

let server: PromptLayerServer;
beforeEach(async () => {
  server = await startPromptLayerServer({
    templates: { example: [{ prompt_template: { type: "completion", content: [{ type: "text", text: "{product}?" }] }, labels: ["prod"] }] },
  });
});
afterEach(async () => {
  await server.close();
});

async function post(path: string, body: unknown, key: string | null = server.apiKey): Promise<{ status: number; body: any }> {
  const response = await fetch(server.baseURL + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key === null ? {} : { "x-api-key": key }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const context = { serviceName: "t", plTags: [] };
const goodSpan = () => JSON.parse(JSON.stringify(toPromptLayerSpan(modelRecord(), context)));

describe("local PromptLayer server", () => {
  it("accepts mapped spans with 201 and real-looking integer ids", async () => {
    const tool = toPromptLayerSpan(toolRecord(), context);
    const answer = await post("/spans-bulk", { spans: [goodSpan(), tool] });
    expect(answer.status).toBe(201);
    expect(answer.body.success).toBe(true);
    expect(answer.body.spans).toHaveLength(2);
    expect(answer.body.request_logs).toEqual([{ id: 48_213_907, span_id: goodSpan().context.span_id }]);
    // Resending upserts: same ids, nothing new stored.
    const again = await post("/spans-bulk", { spans: [goodSpan(), tool] });
    expect(again.body.request_logs).toEqual(answer.body.request_logs);
    expect(server.spans).toHaveLength(2);
    expect(server.requestLogs).toHaveLength(1);
  });

  it("rejects a missing or wrong X-API-KEY with 401", async () => {
    expect((await post("/spans-bulk", { spans: [goodSpan()] }, null)).status).toBe(401);
    expect((await post("/spans-bulk", { spans: [goodSpan()] }, "nope")).status).toBe(401);
    expect(server.spans).toHaveLength(0);
  });

  it("rolls back a whole batch for one bad span", async () => {
    const cases: Array<[string, (span: any) => void]> = [
      ["string content", (s) => (s.log_request.input.messages[0].content = "hi")],
      ["short trace id", (s) => (s.context.trace_id = "abc")],
      ["uppercase span id", (s) => (s.context.span_id = s.context.span_id.toUpperCase())],
      ["milliseconds", (s) => (s.start_time = 1_763_839_195_123)],
      ["fractional time", (s) => (s.end_time = 1.5e18 + 0.5)],
      ["number metadata", (s) => (s.log_request.metadata.n = 1)],
      ["no provider", (s) => delete s.log_request.provider],
      ["non-ISO time", (s) => (s.log_request.request_start_time = "yesterday")],
      ["long error message", (s) => (s.log_request.error_message = "x".repeat(1025))],
      ["tool message without id", (s) => s.log_request.input.messages.push({ role: "tool", content: [] })],
    ];
    for (const [what, spoil] of cases) {
      const bad = goodSpan();
      spoil(bad);
      const answer = await post("/spans-bulk", { spans: [goodSpan(), bad] });
      expect(answer.status, what).toBe(400);
    }
    expect(server.spans).toHaveLength(0);
    expect(server.requestLogs).toHaveLength(0);
  });

  it("keeps the span but skips the request log when the template does not exist", async () => {
    const span = goodSpan();
    span.log_request.prompt_name = "missing";
    const answer = await post("/spans-bulk", { spans: [span] });
    expect(answer.status).toBe(201);
    expect(answer.body.request_logs).toEqual([]);
    expect(server.spans).toHaveLength(1);
  });

  it("answers /log-request, the track endpoints and the registry as the wire page says", async () => {
    const logged = await post("/log-request", goodSpan().log_request);
    expect(logged.status).toBe(201);
    const id = logged.body.id;
    expect(Number.isInteger(id)).toBe(true);
    expect((await post("/rest/track-score", { request_id: id, score: 100 })).status).toBe(200);
    expect((await post("/rest/track-score", { request_id: id, score: 101 })).status).toBe(400);
    expect((await post("/rest/track-score", { request_id: 1, score: 1 })).status).toBe(400);
    expect((await post("/rest/track-metadata", { request_id: id, metadata: { foo: "bar" } })).status).toBe(200);
    expect((await post("/rest/track-metadata", { request_id: id, metadata: { foo: 1 } })).status).toBe(400);
    const prompt = { request_id: id, prompt_name: "example", prompt_input_variables: { product: "toasters" } };
    expect((await post("/rest/track-prompt", { ...prompt, version: 1 })).status).toBe(200);
    expect((await post("/rest/track-prompt", { ...prompt, label: "prod" })).status).toBe(200);
    expect((await post("/rest/track-prompt", { ...prompt, version: 9 })).status).toBe(400);
    expect(server.tracks.map((t) => t.kind)).toEqual(["score", "metadata", "prompt", "prompt"]);

    const template = await post("/prompt-templates/example", { label: "prod" });
    expect(template.status).toBe(200);
    expect(template.body).toMatchObject({ prompt_name: "example", version: 1, prompt_template: { type: "completion" } });
    expect((await post("/prompt-templates/nothing", {})).status).toBe(404);
  });

  it("plays scripted faults in order", async () => {
    server.fail("/spans-bulk", 503, { status: 429, headers: { "retry-after": "2" } });
    expect((await post("/spans-bulk", { spans: [goodSpan()] })).status).toBe(503);
    const limited = await fetch(`${server.baseURL}/spans-bulk`, {
      method: "POST",
      headers: { "x-api-key": server.apiKey },
      body: JSON.stringify({ spans: [goodSpan()] }),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    await limited.body?.cancel();
    expect((await post("/spans-bulk", { spans: [goodSpan()] })).status).toBe(201);
  });
});
