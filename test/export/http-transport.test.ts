import "./fail-on-unhandled.ts";
import { getGlobalDispatcher, MockAgent, setGlobalDispatcher, type Dispatcher } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, ExportError } from "../../src/errors.ts";
import { HttpTransport } from "../../src/export/http-transport.ts";
import { sendWithRetry } from "../../src/export/send-with-retry.ts";
import { toSendOutcome } from "../../src/export/to-send-outcome.ts";
import { startHttpSink, type HttpSink } from "../support/http-sink.ts";

const ORIGIN = "https://backend.test";
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function mockAgent(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent.enableCallHistory();
  cleanups.push(() => agent.close());
  return agent;
}

function transportOn(dispatcher: Dispatcher, extra: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}): HttpTransport {
  const transport = new HttpTransport({ baseURL: `${ORIGIN}/v1`, headers: { "X-Api-Key": "k1" }, dispatcher, ...extra });
  cleanups.push(() => transport.close());
  return transport;
}

describe("HttpTransport", () => {
  it("sends the body with the configured headers and the idempotency key", async () => {
    const agent = mockAgent();
    agent.get(ORIGIN).intercept({ path: "/v1/logs", method: "POST" }).reply(200, '{"ok":true}', { headers: { "x-request-id": "abc" } });
    const result = await transportOn(agent).post("/logs", '[{"id":1}]', { idempotencyKey: "key-1", headers: { "x-extra": "1" } });
    expect(result).toEqual({ kind: "response", status: 200, headers: { "x-request-id": "abc" }, body: '{"ok":true}', bytesSent: 10 });
    const call = agent.getCallHistory()!.firstCall()!;
    expect(String(call.body)).toBe('[{"id":1}]');
    expect(call.headers).toMatchObject({
      "x-api-key": "k1",
      "x-extra": "1",
      "content-type": "application/json",
      "idempotency-key": "key-1",
    });
  });

  it("turns a connection reset into a retryable network error", async () => {
    const agent = mockAgent();
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    agent.get(ORIGIN).intercept({ path: "/v1/logs", method: "POST" }).replyWithError(reset);
    const result = await transportOn(agent).post("/logs", "[]");
    expect(result.kind).toBe("error");
    if (result.kind !== "error") return;
    expect(result.error).toBeInstanceOf(ExportError);
    expect(result.error).toMatchObject({ code: "ERR_LLMOPS_NETWORK", endpoint: "/logs" });
    expect(result.error.message).toContain("ECONNRESET");
    expect(toSendOutcome(result, { endpoint: "/logs", itemCount: 1, attempt: 1 }).status).toBe("retryable");
  });

  it("reads at most maxResponseBytes of a response", async () => {
    const agent = mockAgent();
    agent.get(ORIGIN).intercept({ path: "/v1/logs", method: "POST" }).reply(500, "e".repeat(1_000_000));
    const result = await transportOn(agent, { maxResponseBytes: 100 }).post("/logs", "[]");
    expect(result).toMatchObject({ kind: "response", status: 500 });
    if (result.kind === "response") expect(result.body).toHaveLength(100);
  });

  it("reports an aborted request with the caller's reason", async () => {
    const agent = mockAgent();
    agent.get(ORIGIN).intercept({ path: "/v1/logs", method: "POST" }).reply(200, "{}").delay(5000);
    const controller = new AbortController();
    const pending = transportOn(agent).post("/logs", "[]", { signal: controller.signal });
    controller.abort(new ExportError("ERR_LLMOPS_SHUTDOWN", "shutting down", {}));
    const result = await pending;
    expect(result).toMatchObject({ kind: "error", error: { code: "ERR_LLMOPS_SHUTDOWN", message: "shutting down" } });
  });

  it("never uses the global dispatcher", async () => {
    const previous = getGlobalDispatcher();
    const blocked = new MockAgent();
    blocked.disableNetConnect();
    setGlobalDispatcher(blocked);
    const server: HttpSink = await startHttpSink();
    cleanups.push(async () => {
      setGlobalDispatcher(previous);
      await blocked.close();
      await server.close();
    });
    const transport = new HttpTransport({ baseURL: server.url });
    cleanups.push(() => transport.close());
    const result = await transport.post("/logs", "[]");
    expect(result).toMatchObject({ kind: "response", status: 200 });
    expect(server.requests).toHaveLength(1);
  });

  it("close() is idempotent, leaves an injected dispatcher open, and later posts fail as values", async () => {
    const agent = mockAgent();
    agent.get(ORIGIN).intercept({ path: "/v1/logs", method: "POST" }).reply(200, "{}").times(2);
    const transport = transportOn(agent);
    await transport.close();
    await transport.close();
    await expect(transport.post("/logs", "[]")).resolves.toMatchObject({ kind: "error", error: { code: "ERR_LLMOPS_SHUTDOWN" } });
    const other = transportOn(agent);
    await expect(other.post("/logs", "[]")).resolves.toMatchObject({ kind: "response", status: 200 });
  });

  it.each([
    [{ baseURL: "not a url" }, "baseURL"],
    [{ baseURL: "ftp://example.com" }, "baseURL"],
    [{ baseURL: ORIGIN, headers: { a: 1 as unknown as string } }, "headers"],
    [{ baseURL: ORIGIN, maxConnections: 0 }, "maxConnections"],
    [{ baseURL: ORIGIN, requestTimeoutMs: -5 }, "requestTimeoutMs"],
    [{ baseURL: ORIGIN, gzip: 1 as unknown as boolean }, "gzip"],
  ])("rejects %o with a ConfigError naming %s", (options, option) => {
    expect(() => new HttpTransport(options)).toThrow(ConfigError);
    try {
      new HttpTransport(options);
    } catch (error) {
      expect((error as ConfigError).option).toBe(option);
    }
  });
});

describe("sendWithRetry for single requests", () => {
  it("retries a 503 and accepts a configured 201", async () => {
    const agent = mockAgent();
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: "/v1/track", method: "POST" }).reply(503, "busy");
    pool.intercept({ path: "/v1/track", method: "POST" }).reply(201, "{}");
    const transport = transportOn(agent);
    const keys: string[] = [];
    const outcome = await sendWithRetry(
      async (context) => {
        keys.push(context.idempotencyKey);
        const result = await transport.post("/track", "{}", { idempotencyKey: context.idempotencyKey, signal: context.signal });
        return toSendOutcome(result, { endpoint: "/track", itemCount: 1, attempt: context.attempt, successStatuses: [201] });
      },
      { maxAttempts: 3, random: () => 0 },
    );
    expect(outcome.status).toBe("success");
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });

  it("gives up after maxAttempts with a failure that counts them", async () => {
    const agent = mockAgent();
    agent.get(ORIGIN).intercept({ path: "/v1/track", method: "POST" }).reply(503, "still busy").times(3);
    const transport = transportOn(agent);
    const outcome = await sendWithRetry(
      async (context) =>
        toSendOutcome(await transport.post("/track", "{}", { signal: context.signal }), {
          endpoint: "/track",
          itemCount: 1,
          attempt: context.attempt,
        }),
      { maxAttempts: 3, random: () => 0 },
    );
    expect(outcome.status).toBe("failure");
    if (outcome.status !== "failure") return;
    expect(outcome.error).toMatchObject({ status: 503, attempts: 3, bodyExcerpt: "still busy", endpoint: "/track" });
    expect(outcome.error.message).toContain("gave up after 3 attempts");
  });

  it("does not retry on a closed transport: one attempt, a shutdown failure", async () => {
    const agent = mockAgent();
    const transport = transportOn(agent);
    await transport.close();
    let attempts = 0;
    const started = performance.now();
    const outcome = await sendWithRetry(
      async (context) => {
        attempts++;
        const result = await transport.post("/track", "{}", { signal: context.signal });
        return toSendOutcome(result, { endpoint: "/track", itemCount: 1, attempt: context.attempt });
      },
      { maxAttempts: 5, initialRetryDelayMs: 200, random: () => 0.999 },
    );
    expect(attempts).toBe(1);
    expect(performance.now() - started).toBeLessThan(150);
    expect(outcome).toMatchObject({ status: "failure", error: { code: "ERR_LLMOPS_SHUTDOWN", attempts: 1 } });
  });

  it("validates its options like the exporter", async () => {
    expect(() => sendWithRetry(() => Promise.resolve({ status: "success", bytes: 0 }), { maxAttempts: 0 })).toThrow(
      /maxAttempts: must be an integer >= 1, got 0/,
    );
  });
});
