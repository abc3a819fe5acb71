import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { ValidationError } from "langchain-llmops";
import { startPortkeyServer, type PortkeyServer } from "../support/portkey-server.ts";
import { createPortkeyLogSender, createPortkeyTransport } from "../../src/portkey/portkey-sender.ts";
import { sendPortkeyFeedback, toFeedbackBody } from "../../src/portkey/portkey-feedback.ts";
import { toPortkeyLog } from "../../src/portkey/to-portkey-log.ts";
import type { HttpTransport } from "../../src/export/http-transport.ts";
import type { PortkeyLog } from "../../src/portkey/portkey-log.ts";
import { chainRecord, chatRecord, toolRecord } from "./run-records.ts";

const API_KEY = "pk-test-wire";
let server: PortkeyServer;
let transport: HttpTransport;

beforeEach(async () => {
  server = await startPortkeyServer({ apiKey: API_KEY });
  transport = createPortkeyTransport({ apiKey: API_KEY, baseURL: server.baseURL }, { requestTimeoutMs: 2000 });
});
afterEach(async () => {
  await transport.close();
  await server.close();
});

const context = (attempt = 1) => ({ idempotencyKey: "batch-1", attempt, signal: new AbortController().signal });
const mapping = { metadata: { _user: "u-42" }, gatewayPrefixes: [] };
const logs = () => [chainRecord(), toolRecord(), chatRecord()].map((record) => toPortkeyLog(record, mapping)!);

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.baseURL}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-portkey-api-key": API_KEY, ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe("the log sender", () => {
  it("POSTs the batch as one JSON array with the API key, and 200 is success", async () => {
    const batch = logs();
    const outcome = await createPortkeyLogSender(transport).send(batch, context());
    expect(outcome.status).toBe("success");
    const [request] = server.requestsTo("/v1/logs");
    expect(request!.headers["x-portkey-api-key"]).toBe(API_KEY);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["idempotency-key"]).toBe("batch-1");
    expect(request!.text.startsWith("[{")).toBe(true);
    expect(request!.body).toEqual(JSON.parse(JSON.stringify(batch)));
    expect(server.logs.map((log) => log.span_name)).toEqual(["LangGraph", "multiply", "ChatOpenAI"]);
    expect(server.requests[0]!.status).toBe(200);
  });

  it("classifies 503 as retryable, 401 as a failure with the body, 413 as too large", async () => {
    const sender = createPortkeyLogSender(transport);
    server.fail({ path: "/v1/logs", status: 503, headers: { "retry-after": "2" } }, { path: "/v1/logs", status: 413 });
    const retryable = await sender.send(logs(), context());
    expect(retryable).toMatchObject({ status: "retryable", retryAfterMs: 2000 });
    expect((await sender.send(logs(), context(2))).status).toBe("too-large");

    const wrongKey = createPortkeyTransport({ apiKey: "pk-wrong", baseURL: server.baseURL });
    const refused = await createPortkeyLogSender(wrongKey).send(logs(), context());
    await wrongKey.close();
    expect(refused.status).toBe("failure");
    if (refused.status !== "failure") return;
    expect(refused.error.status).toBe(401);
    expect(refused.error.bodyExcerpt).toContain("Invalid API Key");
    expect(server.logs).toHaveLength(0);
  });
});

describe("a log the exporter cut to fit", () => {
  it("is sent in a shape Portkey accepts, whichever objects were replaced by markers", async () => {
    const marker = "[truncated by langchain-llmops: 2000000 bytes removed]";
    const [chain, tool, chat] = logs();
    const cut = [
      { ...chain!, request: { ...chain!.request, body: marker } },
      { ...tool!, request: marker, metadata: marker },
      { ...chat!, response: marker },
    ] as unknown as PortkeyLog[];
    const outcome = await createPortkeyLogSender(transport).send(cut, context());
    expect(outcome.status).toBe("success");
    const [first, second, third] = server.logs;
    expect(first!.request).toMatchObject({ url: chain!.request.url, provider: "langchain", body: { truncated: marker } });
    expect(first!.metadata).toEqual(chain!.metadata);
    expect(second!.request).toEqual({ url: "langchain://truncated/multiply", method: "POST", provider: "langchain", headers: {}, body: { truncated: marker } });
    expect(second!.metadata).toEqual({
      _source: "langchain-llmops",
      traceId: tool!.trace_id,
      spanId: tool!.span_id,
      spanName: "multiply",
      parentSpanId: tool!.parent_span_id,
    });
    expect(third!.request).toEqual(chat!.request);
    expect(third!.response).toMatchObject({ body: { truncated: marker }, headers: {} });
    expect(third!.span_id).toBe(chat!.span_id);
  });
});

describe("the local Portkey receiver validates like the service", () => {
  it("accepts one object or an array, and rejects what Portkey rejects", async () => {
    const [log] = logs();
    expect((await post("/logs", JSON.stringify(log))).status).toBe(200);
    expect(server.logs).toHaveLength(1);

    const broken = JSON.parse(JSON.stringify(log));
    broken.metadata.long = "x".repeat(129);
    expect(await post("/logs", JSON.stringify([log, broken]))).toEqual({ status: 400, text: expect.stringContaining("[1].metadata.long") });
    const noTime = JSON.parse(JSON.stringify(log));
    noTime.response.response_time = 12.5;
    expect((await post("/logs", JSON.stringify(noTime))).text).toContain("response.response_time");
    const numberMeta = JSON.parse(JSON.stringify(log));
    numberMeta.metadata.step = 3;
    expect((await post("/logs", JSON.stringify(numberMeta))).status).toBe(400);
    expect((await post("/logs", "{not json")).status).toBe(400);
    expect((await post("/logs", "[]")).status).toBe(400);
    expect((await post("/logs", JSON.stringify(log), { "x-portkey-api-key": "" })).status).toBe(401);
    expect((await post("/logs", JSON.stringify(log), { "content-type": "text/plain" })).status).toBe(415);
    expect((await post("/nope", "{}")).status).toBe(404);
    expect(server.logs).toHaveLength(1);
  });

  it("decodes gzip bodies and scripts faults, resets and dead endpoints", async () => {
    const [log] = logs();
    const response = await fetch(`${server.baseURL}/logs`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip", "x-portkey-api-key": API_KEY },
      body: gzipSync(JSON.stringify([log])),
    });
    expect(response.status).toBe(200);
    expect(server.logs).toHaveLength(1);

    server.fail({ path: "/v1/feedback", status: 404, times: 2 }, { status: "reset" });
    const body = JSON.stringify({ trace_id: "t", value: 1 });
    expect((await post("/feedback", body)).status).toBe(404);
    expect((await post("/feedback", body)).status).toBe(404);
    await expect(post("/logs", JSON.stringify(log))).rejects.toThrow();
    expect((await post("/feedback", body)).status).toBe(200);
    expect(server.requests.map((request) => request.status)).toEqual([200, 404, 404, 0, 200]);
  });
});

describe("feedback", () => {
  it("builds the wire body and validates every field with a clear error", () => {
    expect(toFeedbackBody({ traceId: "req-123", value: 5 })).toEqual({ trace_id: "req-123", value: 5, weight: 1 });
    expect(toFeedbackBody({ traceId: "req-123", value: -10, weight: 0.25, metadata: { _user: "u-42" } })).toEqual({
      trace_id: "req-123",
      value: -10,
      weight: 0.25,
      metadata: { _user: "u-42" },
    });
    const bad: Array<[unknown, string, string]> = [
      [{ traceId: "t", value: 11 }, "value", "value: must be an integer from -10 to 10, got 11"],
      [{ traceId: "t", value: 2.5 }, "value", "got 2.5"],
      [{ traceId: "t", value: "5" }, "value", 'got "5"'],
      [{ traceId: "t", value: 1, weight: 1.5 }, "weight", "weight: must be a number from 0 to 1, got 1.5"],
      [{ traceId: "t", value: 1, weight: -0.1 }, "weight", "got -0.1"],
      [{ traceId: "", value: 1 }, "traceId", "traceId: must be a non-empty string"],
      [{ traceId: "t", value: 1, metadata: { score: 3 } }, "metadata.score", "must be a string, got 3"],
      [{ traceId: "t", value: 1, metadata: { note: "n".repeat(129) } }, "metadata.note", "at most 128 characters, got 129"],
    ];
    for (const [input, field, message] of bad) {
      let error: unknown;
      try {
        toFeedbackBody(input as never);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
      expect((error as ValidationError).code).toBe("ERR_LLMOPS_VALIDATION");
      expect((error as ValidationError).message).toContain(message);
    }
  });

  it("POSTs to /feedback, retries a 503 with the same idempotency key, and returns the ids", async () => {
    server.fail({ path: "/v1/feedback", status: 503 });
    const result = await sendPortkeyFeedback(transport, toFeedbackBody({ traceId: "req-123", value: 7, weight: 0.5 }), {
      initialRetryDelayMs: 0,
      maxRetryDelayMs: 0,
    });
    expect(result.outcome.status).toBe("success");
    const requests = server.requestsTo("/v1/feedback");
    expect(requests.map((request) => request.status)).toEqual([503, 200]);
    expect(requests[0]!.headers["idempotency-key"]).toBe(requests[1]!.headers["idempotency-key"]);
    expect(requests[1]!.body).toEqual({ trace_id: "req-123", value: 7, weight: 0.5 });
    expect(result.feedbackIds).toEqual([server.feedback[0]!.id]);
    expect(server.feedback[0]).toMatchObject({ trace_id: "req-123", value: 7, weight: 0.5 });
  });

  it("gives up on a dead endpoint with a failure naming the status", async () => {
    server.fail({ path: "/v1/feedback", status: 404, times: Infinity });
    const result = await sendPortkeyFeedback(transport, toFeedbackBody({ traceId: "t", value: 1 }), {});
    expect(result.feedbackIds).toEqual([]);
    expect(result.outcome).toMatchObject({ status: "failure", error: { status: 404, endpoint: "/feedback", attempts: 1 } });
  });
});
