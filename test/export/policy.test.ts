import "./fail-on-unhandled.ts";
import { describe, expect, it } from "vitest";
import { ConfigError, ExportError } from "../../src/errors.ts";
import { backoffDelayMs } from "../../src/export/backoff.ts";
import { estimateJsonBytes, jsonBytes } from "../../src/export/estimate-size.ts";
import { resolveExportOptions } from "../../src/export/export-options.ts";
import type { HttpResult } from "../../src/export/http-transport.ts";
import { parseRetryAfterMs } from "../../src/export/retry-after.ts";
import { toSendOutcome } from "../../src/export/to-send-outcome.ts";
import { truncateToFit } from "../../src/export/truncate-to-fit.ts";

const settings = { initialRetryDelayMs: 100, maxRetryDelayMs: 1000 };

describe("backoffDelayMs (full jitter)", () => {
  it("draws uniformly below an exponential ceiling capped at maxRetryDelayMs", () => {
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, settings, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelayMs(3, settings, () => 0.5)).toBe(200);
    expect(backoffDelayMs(3, settings, () => 0)).toBe(0);
  });
});

describe("parseRetryAfterMs", () => {
  const now = Date.parse("2026-11-22T10:00:00Z");
  it("reads delay-seconds and HTTP-dates", () => {
    expect(parseRetryAfterMs("2", now)).toBe(2000);
    expect(parseRetryAfterMs(" 0 ", now)).toBe(0);
    expect(parseRetryAfterMs("Sun, 22 Nov 2026 10:00:03 GMT", now)).toBe(3000);
    expect(parseRetryAfterMs("Sun, 22 Nov 2026 09:00:00 GMT", now)).toBe(0);
  });
  it("ignores absent and malformed values", () => {
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs("", now)).toBeUndefined();
    expect(parseRetryAfterMs("soon", now)).toBeUndefined();
    expect(parseRetryAfterMs("-1", now)).toBeUndefined();
  });
});

describe("toSendOutcome", () => {
  const meta = { endpoint: "/logs", itemCount: 7, attempt: 2 };
  const response = (status: number, body = "", headers: Record<string, string> = {}): HttpResult => ({
    kind: "response",
    status,
    headers,
    body,
    bytesSent: 123,
  });

  it("classifies statuses", () => {
    expect(toSendOutcome(response(200), meta)).toEqual({ status: "success", bytes: 123 });
    expect(toSendOutcome(response(204), meta).status).toBe("success");
    for (const status of [408, 429, 502, 503, 504]) expect(toSendOutcome(response(status), meta).status).toBe("retryable");
    for (const status of [400, 401, 403, 404, 422, 500]) expect(toSendOutcome(response(status), meta).status).toBe("failure");
    expect(toSendOutcome(response(413), meta).status).toBe("too-large");
  });

  it("honours configured success statuses", () => {
    expect(toSendOutcome(response(200), { ...meta, successStatuses: [201] }).status).toBe("failure");
    expect(toSendOutcome(response(201), { ...meta, successStatuses: [201] }).status).toBe("success");
  });

  it("carries status, body excerpt, item count, attempt and endpoint in the error", () => {
    const outcome = toSendOutcome(response(400, `{"error":"bad span"}${"x".repeat(5000)}`), meta);
    expect(outcome.status).toBe("failure");
    if (outcome.status !== "failure") return;
    expect(outcome.error).toBeInstanceOf(ExportError);
    expect(outcome.error).toMatchObject({ code: "ERR_LLMOPS_HTTP", status: 400, itemCount: 7, attempts: 2, endpoint: "/logs" });
    expect(outcome.error.bodyExcerpt).toHaveLength(1024);
    expect(outcome.error.bodyExcerpt?.startsWith('{"error":"bad span"}')).toBe(true);
    expect(outcome.error.message).toContain("answered 400");
  });

  it("reads Retry-After on retryable statuses", () => {
    const outcome = toSendOutcome(response(429, "", { "retry-after": "2" }), meta);
    expect(outcome).toMatchObject({ status: "retryable", retryAfterMs: 2000 });
  });

  it("makes a closed transport or an aborted request a failure, not worth retrying", () => {
    const error = new ExportError("ERR_LLMOPS_SHUTDOWN", "transport is closed", { endpoint: "/logs" });
    expect(toSendOutcome({ kind: "error", error, bytesSent: 0 }, meta)).toMatchObject({ status: "failure", error: { code: "ERR_LLMOPS_SHUTDOWN" } });
  });

  it("makes network errors retryable", () => {
    const error = new ExportError("ERR_LLMOPS_NETWORK", "ECONNRESET", { endpoint: "/logs" });
    const outcome = toSendOutcome({ kind: "error", error, bytesSent: 10 }, meta);
    expect(outcome.status).toBe("retryable");
    if (outcome.status === "retryable") expect(outcome.error).toMatchObject({ code: "ERR_LLMOPS_NETWORK", itemCount: 7, attempts: 2 });
  });
});

describe("estimateJsonBytes", () => {
  it("is close to the real JSON length for typical records", () => {
    const samples: unknown[] = [
      { id: "run-1", parent: null, ok: true, n: 42, f: 3.14159, tags: ["a", "b"], nested: { deep: [{ x: 1 }, { y: "ü€" }] } },
      { messages: Array.from({ length: 20 }, (_, i) => ({ role: "user", content: `message ${i} `.repeat(i + 1) })) },
      [1, 2, 3, "four", { five: 5 }],
    ];
    for (const sample of samples) {
      const exact = Buffer.byteLength(JSON.stringify(sample), "utf8");
      const estimate = estimateJsonBytes(sample);
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.1);
    }
  });

  it("jsonBytes counts JSON's escapes: exact for quotes, backslashes, newlines, control characters and non-ASCII", () => {
    const samples: unknown[] = [
      { 'k"ey': 'q"uote \\ back\nnl\ttab\u0001ctl\u001f', list: [1, "x\r\f\b"], u: "héllo ✓ 😀" },
      '"'.repeat(1000),
      { plain: "text", n: 1.5, ok: false, none: null },
    ];
    for (const sample of samples) expect(jsonBytes(sample)).toBe(Buffer.byteLength(JSON.stringify(sample), "utf8"));
  });

  it("stops early above the limit and survives cycles", () => {
    const huge = { text: "x".repeat(1_000_000), more: "y".repeat(1_000_000) };
    expect(estimateJsonBytes(huge, 10)).toBeGreaterThan(10);
    expect(estimateJsonBytes(huge, 10)).toBeLessThan(1_100_000);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(Number.isFinite(estimateJsonBytes(cyclic))).toBe(true);
  });
});

describe("truncateToFit", () => {
  const fits = (value: unknown, max: number): boolean => Buffer.byteLength(JSON.stringify(value), "utf8") <= max;

  it("returns the same object when it fits", () => {
    const record = { id: "a", text: "short" };
    expect(truncateToFit(record, 1024)).toBe(record);
  });

  it("shortens the largest strings first, with a marker, and keeps ids and small fields", () => {
    const record = { id: "run-42", traceId: "trace-1", input: "i".repeat(300_000), output: "o".repeat(200_000), note: "keep me" };
    const out = truncateToFit(record, 100_000);
    expect(fits(out, 100_000)).toBe(true);
    expect(out).toMatchObject({ id: "run-42", traceId: "trace-1", note: "keep me" });
    expect(out.input).toMatch(/…\[truncated by langchain-llmops: \d+ of 300000 chars removed\]$/);
    expect(out.output.startsWith("o".repeat(1000))).toBe(true);
    expect(record.input).toHaveLength(300_000); // the caller's object is untouched
  });

  it.each([
    ["quotes", '"'],
    ["newlines", "\n"],
    ["control characters", "\u0001"],
    ["code", 'const x = {"a": 1};\n'],
  ])("fits the real JSON length of text full of %s (escaped on the wire), without cutting far more than needed", (_kind, unit) => {
    const out = truncateToFit({ id: "esc", text: unit.repeat(Math.ceil(300_000 / unit.length)) }, 16 * 1024);
    const bytes = Buffer.byteLength(JSON.stringify(out), "utf8");
    expect(bytes).toBeLessThanOrEqual(16 * 1024);
    expect(bytes).toBeGreaterThan(0.9 * 16 * 1024);
    expect(out.id).toBe("esc");
    expect(out.text).toMatch(/…\[truncated by langchain-llmops: \d+ of \d+ chars removed\]$/);
  });

  it("never splits a surrogate pair", () => {
    const out = truncateToFit({ id: "x", text: "😀".repeat(50_000) }, 2048);
    expect(fits(out, 2048)).toBe(true);
    expect(out.text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it("cuts array tails when strings are not the problem", () => {
    const record = { id: "emb", vector: Array.from({ length: 50_000 }, (_, i) => i * 1.5) };
    const out = truncateToFit(record, 4096);
    expect(fits(out, 4096)).toBe(true);
    expect(out.id).toBe("emb");
    expect(out.vector.at(-1)).toMatch(/^\[truncated by langchain-llmops: \d+ items removed\]$/);
    expect(out.vector[0]).toBe(0);
  });

  it("replaces objects full of small strings when needed", () => {
    const record = { id: "many", docs: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, "ab"])) };
    const out = truncateToFit(record, 2048);
    expect(fits(out, 2048)).toBe(true);
    expect(out.id).toBe("many");
  });
});

describe("resolveExportOptions", () => {
  it("applies the defaults", () => {
    expect(resolveExportOptions()).toMatchObject({
      maxQueueSize: 2048,
      maxQueueBytes: 16 * 1024 * 1024,
      maxBatchSize: 100,
      maxBatchBytes: 512 * 1024,
      flushIntervalMs: 1000,
      maxConcurrentRequests: 2,
      requestTimeoutMs: 10_000,
      maxAttempts: 5,
      batchDeadlineMs: 60_000,
      shutdownTimeoutMs: 10_000,
      gzip: false,
      serverless: false,
      flushOnExit: false,
    });
  });

  it.each([
    [{ maxQueueSize: 0 }, "maxQueueSize", "0"],
    [{ maxBatchSize: 1.5 }, "maxBatchSize", "1.5"],
    [{ flushIntervalMs: Number.NaN }, "flushIntervalMs", "NaN"],
    [{ maxAttempts: "3" as unknown as number }, "maxAttempts", '"3"'],
    [{ gzip: "yes" as unknown as boolean }, "gzip", '"yes"'],
    [{ maxBatchSize: 500, maxQueueSize: 100 }, "maxBatchSize", "500"],
    [{ logger: {} as unknown as { warn(message: string): void } }, "logger", "an object"],
  ])("rejects %o naming the option and the value", (options, option, shown) => {
    let thrown: unknown;
    try {
      resolveExportOptions(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).option).toBe(option);
    expect((thrown as ConfigError).message).toContain(shown);
    expect((thrown as ConfigError).code).toBe("ERR_LLMOPS_CONFIG");
  });
});
