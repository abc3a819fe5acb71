import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LlmopsError } from "langchain-llmops";
import { CallbackError, ExportError } from "langchain-llmops";
import { BatchExporter } from "../../src/export/batch-exporter.ts";
import { HttpTransport } from "../../src/export/http-transport.ts";
import type { PromptLayerItem } from "../../src/promptlayer/promptlayer-item.ts";
import { PromptLayerSender } from "../../src/promptlayer/promptlayer-sender.ts";
import type { PromptLayerIdCallback as PlIdCallback } from "../../src/promptlayer/promptlayer-options.ts";
import { toSpanIdHex } from "../../src/promptlayer/span-ids.ts";
import { startPromptLayerServer } from "../support/promptlayer-server.ts";
import type { PromptLayerServer } from "../support/promptlayer-server.ts";
import { modelPayload, modelRecord, toolRecord } from "./records.ts";

let server: PromptLayerServer;
let transport: HttpTransport;
const errors: LlmopsError[] = [];
const warnings: string[] = [];

beforeEach(async () => {
  server = await startPromptLayerServer();
  errors.length = 0;
  warnings.length = 0;
});
afterEach(async () => {
  await transport.close();
  await server.close();
});

function setup(plIdCallback?: PlIdCallback, exportOptions: { maxBatchSize?: number; maxAttempts?: number } = {}) {
  transport = new HttpTransport({ baseURL: server.baseURL, headers: { "x-api-key": server.apiKey }, maxResponseBytes: 1 << 20 });
  const sender = new PromptLayerSender({
    transport,
    serviceName: "test",
    plTags: ["chatopenai"],
    ...(plIdCallback === undefined ? {} : { plIdCallback }),
    onError: (error) => errors.push(error),
    logger: { warn: (message) => warnings.push(message) },
  });
  const exporter = new BatchExporter<PromptLayerItem>(sender, {
    flushIntervalMs: 60_000,
    initialRetryDelayMs: 5,
    maxRetryDelayMs: 20,
    onError: (error) => errors.push(error),
    ...exportOptions,
  });
  return { sender, exporter };
}

/** `n` model runs (each a distinct LLM call) plus one tool run, all in one trace. */
function items(n: number): PromptLayerItem[] {
  const list: PromptLayerItem[] = [];
  for (let i = 0; i < n; i++) list.push({ record: modelRecord({ runId: randomUUID(), name: `call-${i}` }) });
  list.push({ record: toolRecord() });
  return list;
}

describe("PromptLayerSender over /spans-bulk", () => {
  it("sends one batch and calls pl_id_callback with exactly the ids the server returned", async () => {
    const received: number[] = [];
    const { exporter } = setup((id) => {
      received.push(id);
    });
    const batch = items(40);
    for (const item of batch) exporter.enqueue(item);
    await exporter.flush();

    const [request] = server.requestsTo("/spans-bulk");
    expect(server.requestsTo("/spans-bulk")).toHaveLength(1);
    expect(request!.status).toBe(201);
    expect(request!.headers["x-api-key"]).toBe(server.apiKey);
    expect(request!.headers["idempotency-key"]).toMatch(/.+/);
    expect((request!.body as { spans: unknown[] }).spans).toHaveLength(41);
    expect(server.requestLogs).toHaveLength(40);
    expect(received).toEqual(server.requestLogs.map((log) => log.id));
    // Matched by span id: the i-th callback is the i-th model run's request.
    expect(server.requestLogs.map((log) => log.spanId)).toEqual(batch.slice(0, 40).map((item) => toSpanIdHex(item.record.runId)));
    expect(errors).toEqual([]);
    await exporter.shutdown();
  });

  it("retries 503s and delivers every id once", async () => {
    const received: number[] = [];
    const { exporter } = setup((id) => void received.push(id));
    server.fail("/spans-bulk", 503, { status: 503, headers: { "retry-after": "0" } });
    for (const item of items(5)) exporter.enqueue(item);
    await exporter.flush();
    expect(server.requestsTo("/spans-bulk").map((r) => r.status)).toEqual([503, 503, 201]);
    const keys = new Set(server.requestsTo("/spans-bulk").map((r) => r.headers["idempotency-key"]));
    expect(keys.size).toBe(1);
    expect(received).toEqual(server.requestLogs.map((log) => log.id));
    expect(received).toHaveLength(5);
    await exporter.shutdown();
  });

  it("a batch accepted but whose answer was lost is resent; the server upserts, callbacks run once", async () => {
    const received: number[] = [];
    const { exporter } = setup((id) => void received.push(id));
    server.fail("/spans-bulk", { drop: "after-accept" });
    for (const item of items(3)) exporter.enqueue(item);
    await exporter.flush();
    expect(server.requestsTo("/spans-bulk")).toHaveLength(2);
    expect(server.requestLogs).toHaveLength(3);
    expect(received).toEqual(server.requestLogs.map((log) => log.id));
    await exporter.shutdown();
  });

  it("never calls back for a refused batch, and reports it", async () => {
    const received: number[] = [];
    const { exporter } = setup((id) => void received.push(id));
    server.fail("/spans-bulk", { status: 400, body: { success: false, message: "bad span" } });
    for (const item of items(2)) exporter.enqueue(item);
    await exporter.flush();
    expect(received).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ExportError);
    expect((errors[0] as ExportError).status).toBe(400);
    expect((errors[0] as ExportError).bodyExcerpt).toContain("bad span");
    await exporter.shutdown();
  });

  it("catches and reports a failing pl_id_callback; flush() waits for async callbacks", async () => {
    const done: number[] = [];
    let calls = 0;
    const { exporter } = setup(async (id) => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (calls === 2) throw new Error("boom");
      done.push(id);
    });
    for (const item of items(3)) exporter.enqueue(item);
    await exporter.flush();
    expect(calls).toBe(3);
    expect(done).toEqual([server.requestLogs[0]!.id, server.requestLogs[2]!.id]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CallbackError);
    expect(errors[0]!.message).toBe("pl_id_callback failed: boom");
    await exporter.shutdown();
  });
});

describe("PromptLayerSender with oversized runs", () => {
  it("a run larger than maxBatchBytes is cut to fit and still accepted", async () => {
    const received: number[] = [];
    const { exporter } = setup((id) => void received.push(id));
    const huge = modelRecord({
      runId: randomUUID(),
      payload: modelPayload({ inputMessages: [{ role: "user", content: "x".repeat(3 * 1024 * 1024) }] }),
    });
    exporter.enqueue({ record: Object.freeze(huge) });
    await exporter.flush();
    const [request] = server.requestsTo("/spans-bulk");
    expect(request!.status).toBe(201);
    expect(request!.raw.byteLength).toBeLessThan(1.5 * 1024 * 1024);
    expect(received).toEqual([server.requestLogs[0]!.id]);
    expect(exporter.stats().truncated).toBe(1);
    await exporter.shutdown();
  });
});

describe("PromptLayerSender with a run cut down to its ids", () => {
  it("keeps the request log when the exporter cut the tail of the messages or of a message's parts", async () => {
    const received: number[] = [];
    const { exporter } = setup((id) => void received.push(id));
    const itemsMarker = "[truncated by langchain-llmops: 412 items removed]";
    const partsMarker = "[truncated by langchain-llmops: 300 items removed]";
    const cut = {
      ...modelRecord(),
      payload: {
        ...modelPayload(),
        inputMessages: [{ role: "user", content: [{ type: "text", text: "part 1" }, partsMarker] }, itemsMarker],
        outputMessages: [{ role: "assistant", content: "ok" }, itemsMarker],
      },
    };
    exporter.enqueue({ record: cut as never });
    exporter.enqueue({ record: toolRecord() });
    await exporter.flush();
    const [request] = server.requestsTo("/spans-bulk");
    expect(request!.status).toBe(201);
    expect(server.spans).toHaveLength(2);
    expect(server.requestLogs).toHaveLength(1);
    expect(server.requestLogs[0]!.body).toMatchObject({
      input: {
        type: "chat",
        messages: [
          { role: "user", content: [{ type: "text", text: "part 1" }, { type: "text", text: partsMarker }] },
          { role: "user", content: [{ type: "text", text: itemsMarker }] },
        ],
      },
      output: { type: "chat", messages: [{ role: "assistant" }, { role: "assistant", content: [{ type: "text", text: itemsMarker }] }] },
    });
    expect(received).toEqual([server.requestLogs[0]!.id]);
    expect(errors).toEqual([]);
    await exporter.shutdown();
  });

  it("sends a bare span when the exporter replaced a run's messages by a marker", async () => {
    const { exporter } = setup();
    const cut = { ...modelRecord(), payload: { ...modelPayload(), inputMessages: "[truncated by langchain-llmops: 3000000 bytes removed]" } };
    exporter.enqueue({ record: cut as never });
    exporter.enqueue({ record: toolRecord() });
    await exporter.flush();
    const [request] = server.requestsTo("/spans-bulk");
    expect(request!.status).toBe(201);
    const spans = (request!.body as { spans: Array<{ name: string; log_request?: unknown; attributes: Record<string, unknown> }> }).spans;
    expect(spans.map((s) => s.name)).toEqual(["ChatOpenAI", "exponentiate"]);
    expect(spans[0]!.attributes["langchain.truncated"]).toBe(true);
    expect(spans[0]).not.toHaveProperty("log_request");
    expect(errors).toEqual([]);
    await exporter.shutdown();
  });
});

describe("PromptLayerSender fallback to /log-request", () => {
  it("switches and warns once when batches in flight together all meet the 404", async () => {
    await server.close();
    server = await startPromptLayerServer({ spansBulk: false });
    const received: number[] = [];
    const { sender } = setup((id) => void received.push(id));
    const context = (key: string) => ({ idempotencyKey: key, attempt: 1, signal: new AbortController().signal });
    const outcomes = await Promise.all([sender.send(items(1), context("a")), sender.send(items(1), context("b"))]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["success", "success"]);
    expect(server.requestsTo("/spans-bulk").map((r) => r.status)).toEqual([404, 404]);
    expect(warnings).toHaveLength(1);
    expect(received).toHaveLength(2);
  });

  it("reports a logged request whose answer has no readable id (pl_id_callback cannot be called for it)", async () => {
    await server.close();
    server = await startPromptLayerServer({ spansBulk: false });
    const received: number[] = [];
    const { exporter } = setup((id) => void received.push(id));
    server.fail("/log-request", { status: 201, body: { success: true } });
    for (const item of items(2)) exporter.enqueue(item);
    await exporter.flush();
    expect(server.requestsTo("/log-request").map((r) => r.status)).toEqual([201, 201]);
    expect(received).toEqual([server.requestLogs[0]!.id]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "ERR_LLMOPS_HTTP", status: 201, endpoint: "/log-request", bodyExcerpt: '{"success":true}' });
    expect(errors[0]!.message).toContain("no readable request id");
    await exporter.shutdown();
  });

  it("on 404 from /spans-bulk, logs each LLM run with /log-request, and stays there", async () => {
    await server.close();
    server = await startPromptLayerServer({ spansBulk: false, logRequestIdField: "request_id" });
    const received: number[] = [];
    const { exporter, sender } = setup((id) => void received.push(id));
    for (const item of items(3)) exporter.enqueue(item);
    await exporter.flush();
    expect(sender.usesSpansBulk).toBe(false);
    expect(warnings).toHaveLength(1);
    for (const item of items(2)) exporter.enqueue(item);
    await exporter.flush();

    expect(server.requestsTo("/spans-bulk")).toHaveLength(1);
    const logs = server.requestsTo("/log-request");
    expect(logs).toHaveLength(5);
    expect(logs.every((r) => r.status === 201)).toBe(true);
    expect((logs[0]!.body as { tags: string[] }).tags).toContain("chatopenai");
    expect(received).toEqual(server.requestLogs.map((log) => log.id));
    expect(server.requestLogs.every((log) => log.via === "log-request")).toBe(true);
    expect(errors).toEqual([]);
    await exporter.shutdown();
  });

  it("retries after a 5xx without resending or calling back twice for runs already logged", async () => {
    await server.close();
    server = await startPromptLayerServer({ spansBulk: false });
    const received: number[] = [];
    const { exporter } = setup((id) => void received.push(id));
    server.fail("/log-request", { delayMs: 0 }, 502);
    for (const item of items(3)) exporter.enqueue(item);
    await exporter.flush();
    expect(server.requestsTo("/log-request").map((r) => r.status)).toEqual([201, 502, 201, 201]);
    expect(server.requestLogs).toHaveLength(3);
    expect(received).toEqual(server.requestLogs.map((log) => log.id));
    await exporter.shutdown();
  });
});
