import "./fail-on-unhandled.ts";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ExportError } from "../../src/errors.ts";
import { BatchExporter } from "../../src/export/batch-exporter.ts";
import type { ExportOptions } from "../../src/export/export-options.ts";
import { createHttpExporter } from "../../src/export/create-http-exporter.ts";
import { HttpBatchSender } from "../../src/export/http-batch-sender.ts";
import { HttpTransport, type HttpTransportOptions } from "../../src/export/http-transport.ts";
import { refusedURL, startHttpSink, until, type HttpSink, type SinkRequest, type SinkResponder } from "../support/http-sink.ts";

interface Rec {
  id: string;
  text?: string;
}

const open: Array<{ shutdown(): Promise<void> } | HttpSink> = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const item of open.splice(0).reverse()) {
    await ("shutdown" in item ? item.shutdown() : item.close());
  }
});

async function sink(responder?: SinkResponder): Promise<HttpSink> {
  const started = await startHttpSink(responder);
  open.push(started);
  return started;
}

function exporter(
  baseURL: string,
  options: ExportOptions = {},
  transport: Partial<HttpTransportOptions> = {},
  random: () => number = () => 0,
): BatchExporter<Rec> {
  const http = new HttpTransport({ baseURL, headers: { "x-api-key": "secret" }, ...transport });
  const created = new BatchExporter<Rec>(
    new HttpBatchSender<Rec>({ transport: http, path: "/logs" }),
    { logger: { warn: () => undefined }, ...options },
    { name: "http-test", random },
  );
  open.push(created);
  return created;
}

const ids = (request: SinkRequest): string[] => (request.json() as Rec[]).map((r) => r.id);
const records = (n: number, prefix = "r"): Rec[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}` }));
const accepted = (server: HttpSink, statuses: number[]): SinkRequest[] =>
  server.requests.filter((_request, index) => statuses[index] === 200);

/** A responder that records the status it answered with, in order. */
function recording(decide: (request: SinkRequest, index: number) => number, statuses: number[]): SinkResponder {
  return (request, index) => {
    const status = decide(request, index);
    statuses.push(status);
    return { status, body: status === 200 ? "{}" : `{"error":"status ${status}"}` };
  };
}

describe("on the wire", () => {
  it("POSTs a JSON array with the API key, content type and an idempotency key, reusing its sockets", async () => {
    const server = await sink();
    const exp = exporter(server.url + "/v1/", {}, { maxConnections: 2 });
    for (const batch of [records(3, "a"), records(2, "b"), records(1, "c"), records(1, "d"), records(1, "e"), records(1, "f")]) {
      for (const record of batch) exp.enqueue(record);
      await exp.flush();
    }
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(Array(6).fill("POST /v1/logs"));
    const first = server.requests[0]!;
    expect(first.headers).toMatchObject({ "content-type": "application/json", "x-api-key": "secret" });
    expect(first.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.text).toBe('[{"id":"a0"},{"id":"a1"},{"id":"a2"}]');
    expect(new Set(server.requests.map((r) => r.headers["idempotency-key"])).size).toBe(6);
    expect(server.connections()).toBeLessThanOrEqual(2); // six requests, at most maxConnections sockets
    expect(new Set(server.requests.map((r) => r.connection)).size).toBe(server.connections());
    const bytes = server.requests.reduce((sum, r) => sum + r.rawBody.byteLength, 0);
    expect(exp.stats()).toMatchObject({ sent: 9, batchesSent: 6, bytesSent: bytes, failed: 0 });
  });

  it("gzips the body when asked; the server decodes the same JSON", async () => {
    const server = await sink();
    const exp = exporter(server.url, {}, { gzip: true });
    const batch = Array.from({ length: 50 }, (_, i) => ({ id: `g${i}`, text: "same text ".repeat(50) }));
    for (const record of batch) exp.enqueue(record);
    await exp.flush();
    const request = server.requests[0]!;
    expect(request.headers["content-encoding"]).toBe("gzip");
    expect(request.json()).toEqual(batch);
    expect(request.rawBody.byteLength).toBeLessThan(Buffer.byteLength(request.text) / 10);
    expect(exp.stats().bytesSent).toBe(request.rawBody.byteLength);
  });

  it("delivers a huge record truncated to maxBatchBytes", async () => {
    const server = await sink();
    const exp = exporter(server.url);
    exp.enqueue({ id: "huge", text: "h".repeat(5_000_000) });
    await exp.flush();
    const request = server.requests[0]!;
    expect(request.rawBody.byteLength).toBeLessThanOrEqual(512 * 1024);
    const [record] = request.json() as Rec[];
    expect(record!.id).toBe("huge");
    expect(record!.text).toMatch(/…\[truncated by langchain-llmops: \d+ of 5000000 chars removed\]$/);
    expect(exp.stats()).toMatchObject({ sent: 1, truncated: 1 });
  });
});

describe("answers and retries", () => {
  it("503, 503, 200 → delivered once after three attempts with the same idempotency key", async () => {
    const statuses: number[] = [];
    const server = await sink(recording((_r, index) => (index < 2 ? 503 : 200), statuses));
    const exp = exporter(server.url);
    for (const record of records(4)) exp.enqueue(record);
    await exp.flush();
    expect(statuses).toEqual([503, 503, 200]);
    expect(new Set(server.requests.map((r) => r.headers["idempotency-key"])).size).toBe(1);
    expect(new Set(server.requests.map((r) => r.text)).size).toBe(1);
    expect(accepted(server, statuses).flatMap(ids)).toEqual(["r0", "r1", "r2", "r3"]);
    expect(exp.stats()).toMatchObject({ sent: 4, retried: 2, failed: 0, batchesSent: 1 });
  });

  it("429 with Retry-After: 2 → the next attempt waits two seconds (fake clock)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], now: new Date("2026-11-22T10:00:00Z") });
    const server = await sink((_r, index) => (index === 0 ? { status: 429, headers: { "retry-after": "2" } } : { status: 200 }));
    const exp = exporter(server.url);
    exp.enqueue({ id: "x" });
    const flushed = exp.flush();
    await until(() => exp.stats().waitingToRetry === 1);
    await vi.advanceTimersByTimeAsync(1999);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flushed;
    expect(server.requests).toHaveLength(2);
    expect(exp.stats().waitingToRetry).toBe(0);
    expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(2000);
    expect(exp.stats()).toMatchObject({ sent: 1, retried: 1 });
  });

  it("Retry-After as an HTTP-date is honoured too", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], now: new Date("2026-11-22T10:00:00Z") });
    const server = await sink((_r, index) =>
      index === 0 ? { status: 503, headers: { "retry-after": new Date(Date.now() + 3000).toUTCString() } } : { status: 200 },
    );
    const exp = exporter(server.url);
    exp.enqueue({ id: "x" });
    const flushed = exp.flush();
    await until(() => exp.stats().waitingToRetry === 1);
    await vi.advanceTimersByTimeAsync(2999);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flushed;
    expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBe(3000);
  });

  it("400 → one attempt, onError with the status and an excerpt of the body", async () => {
    const onError = vi.fn<(error: ExportError) => void>();
    const server = await sink(() => ({ status: 400, body: `{"error":"span 3 is invalid"}${" ".repeat(100_000)}` }));
    const exp = exporter(server.url, { onError });
    for (const record of records(3)) exp.enqueue(record);
    await exp.flush();
    expect(server.requests).toHaveLength(1);
    expect(onError).toHaveBeenCalledTimes(1);
    const error = onError.mock.calls[0]![0];
    expect(error).toMatchObject({ code: "ERR_LLMOPS_HTTP", status: 400, itemCount: 3, attempts: 1, endpoint: "/logs" });
    expect(error.bodyExcerpt?.startsWith('{"error":"span 3 is invalid"}')).toBe(true);
    expect(error.message).toContain("span 3 is invalid");
    expect(exp.stats()).toMatchObject({ failed: 3, sent: 0, retried: 0 });
  });

  it("413 → the batch is split in half until it is accepted; every record once", async () => {
    const statuses: number[] = [];
    const server = await sink(recording((request) => ((request.json() as Rec[]).length > 3 ? 413 : 200), statuses));
    const exp = exporter(server.url);
    for (const record of records(10)) exp.enqueue(record);
    await exp.flush();
    const delivered = accepted(server, statuses).flatMap(ids);
    expect(delivered).toEqual(records(10).map((r) => r.id));
    expect(exp.stats()).toMatchObject({ sent: 10, failed: 0, splits: 3 });
  });
});

describe("network faults", () => {
  it("connection reset mid-response is retried and delivered", async () => {
    const server = await sink((_r, index) => (index === 0 ? "reset-mid-response" : { status: 200 }));
    const exp = exporter(server.url);
    exp.enqueue({ id: "x" });
    await exp.flush();
    expect(server.requests).toHaveLength(2);
    expect(exp.stats()).toMatchObject({ sent: 1, retried: 1, failed: 0 });
  });

  it("connection reset before any answer is retried and delivered", async () => {
    const server = await sink((_r, index) => (index === 0 ? "reset" : { status: 200 }));
    const exp = exporter(server.url);
    exp.enqueue({ id: "x" });
    await exp.flush();
    expect(server.requests).toHaveLength(2);
    expect(exp.stats()).toMatchObject({ sent: 1, retried: 1 });
  });

  it("connection refused → retried, then reported as a network error", async () => {
    const onError = vi.fn<(error: ExportError) => void>();
    const exp = exporter(await refusedURL(), { onError, maxAttempts: 3 });
    exp.enqueue({ id: "x" });
    await exp.flush();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: "ERR_LLMOPS_NETWORK", attempts: 3, itemCount: 1, endpoint: "/logs" });
    expect(onError.mock.calls[0]![0].message).toContain("ECONNREFUSED");
    expect(exp.stats()).toMatchObject({ failed: 1, retried: 2 });
  });

  it("a server that never answers → each attempt times out at requestTimeoutMs", async () => {
    const onError = vi.fn<(error: ExportError) => void>();
    const server = await sink(() => "hang");
    const exp = exporter(server.url, { onError, maxAttempts: 2 }, { requestTimeoutMs: 200 });
    exp.enqueue({ id: "x" });
    const started = performance.now();
    await exp.flush();
    const elapsed = performance.now() - started;
    expect(server.requests).toHaveLength(2);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: "ERR_LLMOPS_TIMEOUT", attempts: 2 });
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(5000);
  });
});

describe("outages", () => {
  it("backend down for three seconds then up: every record delivered after flush(), none twice", async () => {
    const statuses: number[] = [];
    const upAt = Date.now() + 3000;
    const server = await sink(recording(() => (Date.now() < upAt ? 503 : 200), statuses));
    const exp = exporter(server.url, {
      maxBatchSize: 10,
      initialRetryDelayMs: 100,
      maxRetryDelayMs: 400,
      maxAttempts: 50,
      batchDeadlineMs: 15_000,
    }, {}, () => 0.999);
    for (const record of records(45)) exp.enqueue(record);
    await exp.flush();
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(5);
    const delivered = accepted(server, statuses).flatMap(ids);
    expect(delivered.toSorted()).toEqual(records(45).map((r) => r.id).toSorted());
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(exp.stats()).toMatchObject({ sent: 45, failed: 0, batchesSent: 5, queued: 0, inFlight: 0 });
  });

  it("queue full while the backend is down: exact drop count, bounded queue, the rest delivered once", async () => {
    let up = false;
    const statuses: number[] = [];
    const server = await sink(recording(() => (up ? 200 : 503), statuses));
    const exp = exporter(server.url, {
      maxQueueSize: 20,
      maxBatchSize: 5,
      maxConcurrentRequests: 1,
      initialRetryDelayMs: 20,
      maxRetryDelayMs: 50,
      maxAttempts: 1000,
    });
    const first = records(100, "a").map((r) => exp.enqueue(r));
    expect(first.filter(Boolean)).toHaveLength(20);
    await until(() => exp.stats().retried >= 3); // the first batch left the queue and is being retried
    expect(exp.stats().queued).toBe(15);
    const second = records(10, "b").map((r) => exp.enqueue(r));
    expect(second.filter(Boolean)).toHaveLength(5);
    expect(exp.stats()).toMatchObject({ queued: 20, dropped: { queueFull: 85 } });
    expect(exp.stats().queuedBytes).toBeLessThanOrEqual(20 * 20);
    up = true;
    await exp.flush();
    const delivered = accepted(server, statuses).flatMap(ids);
    expect(delivered).toHaveLength(25);
    expect(new Set(delivered).size).toBe(25);
    expect(exp.stats()).toMatchObject({ enqueued: 25, sent: 25, failed: 0, dropped: { queueFull: 85 } });
  });

  it("shutdown() while a retry waits ends promptly and closes the sockets", async () => {
    const onError = vi.fn<(error: ExportError) => void>();
    const server = await sink(() => ({ status: 503, headers: { "retry-after": "30" } }));
    const exp = exporter(server.url, { onError });
    exp.enqueue({ id: "x" });
    void exp.flush();
    await until(() => exp.stats().waitingToRetry === 1);
    const started = performance.now();
    await exp.shutdown();
    await exp.shutdown();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(server.requests).toHaveLength(2); // the first try and the one last attempt at shutdown
    expect(onError.mock.calls[0]![0]).toMatchObject({ status: 503, attempts: 2, itemCount: 1 });
    expect(exp.stats()).toMatchObject({ failed: 1, sent: 0, inFlight: 0 });
    expect(exp.enqueue({ id: "late" })).toBe(false);
    expect(exp.stats().dropped.afterShutdown).toBe(1);
  });
});

describe("createHttpExporter", () => {
  it("wires transport, sender and exporter from one set of options", async () => {
    const server = await sink((_r, index) => ({ status: index === 0 ? 503 : 201 }));
    const { exporter: exp, transport } = createHttpExporter<Rec>({
      baseURL: `${server.url}/api`,
      path: "/spans-bulk",
      headers: { "x-api-key": "pl" },
      toBody: (batch) => ({ spans: batch }),
      successStatuses: [201],
      export: { gzip: true, initialRetryDelayMs: 1, maxRetryDelayMs: 1, logger: { warn: () => undefined } },
      name: "promptlayer",
    });
    open.push(exp);
    exp.enqueue({ id: "s1" });
    await exp.flush();
    expect(server.requests.map((r) => r.path)).toEqual(["/api/spans-bulk", "/api/spans-bulk"]);
    expect(server.requests[1]!.json()).toEqual({ spans: [{ id: "s1" }] });
    expect(server.requests[1]!.headers).toMatchObject({ "content-encoding": "gzip", "x-api-key": "pl" });
    const single = await transport.post("/track", "{}");
    expect(single).toMatchObject({ kind: "response", status: 201 });
    await exp.shutdown();
    await expect(transport.post("/track", "{}")).resolves.toMatchObject({ kind: "error", error: { code: "ERR_LLMOPS_SHUTDOWN" } });
  });
});
