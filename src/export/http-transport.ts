import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { Agent, request, type Dispatcher } from "undici";
import { ConfigError, ExportError } from "../errors.ts";
import { describe, integer } from "./export-options.ts";

const gzipAsync = promisify(gzipCallback);

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Base URL the request paths are appended to, e.g. `https://api.portkey.ai/v1`. Required. */
  baseURL: string;
  /** Headers sent with every request (API key, …). @default {} */
  headers?: Record<string, string>;
  /** Milliseconds one request may take, end to end; also undici's headers and body timeouts. @default 10000 */
  requestTimeoutMs?: number;
  /** Most sockets open to the backend. @default 2 */
  maxConnections?: number;
  /** Milliseconds an idle socket is kept for reuse; keep it above the flush interval. @default 30000 */
  keepAliveTimeoutMs?: number;
  /** Most response bytes read; the rest is discarded (the socket is then closed). @default 65536 */
  maxResponseBytes?: number;
  /** Gzip request bodies (asynchronously) and send `content-encoding: gzip`. @default false */
  gzip?: boolean;
  /**
   * The undici dispatcher to send through (tests: a `MockAgent`). It is not closed by `close()`.
   * @default a dedicated `Agent` owned by this transport, never the global dispatcher
   */
  dispatcher?: Dispatcher;
}

/** What one POST produced. Network failures are values, never exceptions. */
export type HttpResult =
  | { kind: "response"; status: number; headers: Record<string, string>; body: string; bytesSent: number }
  | { kind: "error"; error: ExportError; bytesSent: number };

/** Per-request options of {@link HttpTransport.post}. */
export interface PostOptions {
  /** Extra headers for this request. */
  headers?: Record<string, string>;
  /** Aborts the request (batch deadline, shutdown). */
  signal?: AbortSignal;
  /** Sent as the `idempotency-key` header. */
  idempotencyKey?: string;
}

/**
 * POSTs bodies to one backend over undici, on a dedicated connection pool: bounded sockets kept
 * alive between batches, a deadline per request, a cap on the response read, the response body
 * always consumed or destroyed. `post` never rejects.
 */
export class HttpTransport {
  readonly #baseURL: string;
  readonly #headers: Record<string, string>;
  readonly #requestTimeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #gzip: boolean;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  #closing: Promise<void> | undefined;

  constructor(options: HttpTransportOptions) {
    this.#baseURL = baseURL(options.baseURL);
    this.#headers = headers(options.headers ?? {});
    this.#requestTimeoutMs = integer("requestTimeoutMs", options.requestTimeoutMs ?? 10_000, 1);
    const maxConnections = integer("maxConnections", options.maxConnections ?? 2, 1);
    const keepAliveTimeoutMs = integer("keepAliveTimeoutMs", options.keepAliveTimeoutMs ?? 30_000, 1);
    this.#maxResponseBytes = integer("maxResponseBytes", options.maxResponseBytes ?? 64 * 1024, 0);
    const gzip = options.gzip ?? false;
    if (typeof gzip !== "boolean") throw new ConfigError("gzip", `must be a boolean, got ${describe(gzip)}`);
    this.#gzip = gzip;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        connections: maxConnections,
        keepAliveTimeout: keepAliveTimeoutMs,
        keepAliveMaxTimeout: Math.max(keepAliveTimeoutMs, 60_000),
        headersTimeout: this.#requestTimeoutMs,
        bodyTimeout: this.#requestTimeoutMs,
        connectTimeout: this.#requestTimeoutMs,
      });
  }

  /** POSTs `body` (JSON text) to `baseURL + path`. Resolves with a response or an error; never rejects. */
  async post(path: string, body: string, options: PostOptions = {}): Promise<HttpResult> {
    const endpoint = path;
    let bytesSent = 0;
    if (this.#closing !== undefined) {
      return { kind: "error", error: new ExportError("ERR_LLMOPS_SHUTDOWN", "transport is closed", { endpoint }), bytesSent };
    }
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.#requestTimeoutMs);
    timer.unref?.();
    const signal = options.signal === undefined ? timeout.signal : AbortSignal.any([options.signal, timeout.signal]);
    try {
      const payload = this.#gzip ? await gzipAsync(body) : Buffer.from(body, "utf8");
      bytesSent = payload.byteLength;
      const requestHeaders: Record<string, string> = { ...this.#headers };
      for (const [name, value] of Object.entries(options.headers ?? {})) requestHeaders[name.toLowerCase()] = value;
      requestHeaders["content-type"] = "application/json";
      if (this.#gzip) requestHeaders["content-encoding"] = "gzip";
      if (options.idempotencyKey !== undefined) requestHeaders["idempotency-key"] = options.idempotencyKey;
      signal.throwIfAborted();
      const response = await request(this.#baseURL + path, {
        method: "POST",
        dispatcher: this.#dispatcher,
        headers: requestHeaders,
        body: payload,
        signal,
        headersTimeout: this.#requestTimeoutMs,
        bodyTimeout: this.#requestTimeoutMs,
      });
      const text = await readCapped(response.body, this.#maxResponseBytes);
      return { kind: "response", status: response.statusCode, headers: flatHeaders(response.headers), body: text, bytesSent };
    } catch (cause) {
      return { kind: "error", error: toExportError(cause, endpoint, timeout.signal.aborted, options.signal), bytesSent };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the sockets (only those of the transport's own dispatcher). Idempotent; never rejects. */
  close(): Promise<void> {
    this.#closing ??= this.#ownsDispatcher ? this.#dispatcher.close().catch(() => undefined) : Promise.resolve();
    return this.#closing;
  }
}

/** Reads up to `maxBytes` of the body as UTF-8; destroys the rest so the socket is not left half-read. */
async function readCapped(body: Dispatcher.ResponseData["body"], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = maxBytes - length;
    if (chunk.byteLength >= room) {
      if (room > 0) chunks.push(chunk.subarray(0, room));
      body.destroy();
      return Buffer.concat(chunks).toString("utf8");
    }
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  return Buffer.concat(chunks).toString("utf8");
}

function flatHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

function toExportError(cause: unknown, endpoint: string, timedOut: boolean, callerSignal: AbortSignal | undefined): ExportError {
  if (cause instanceof ExportError) return cause;
  const code = errorCode(cause);
  const message = cause instanceof Error ? cause.message : String(cause);
  if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new ExportError("ERR_LLMOPS_TIMEOUT", `${endpoint}: request timed out (${code ?? "deadline"})`, { endpoint, cause });
  }
  if (callerSignal?.aborted === true) {
    const reason: unknown = callerSignal.reason;
    if (reason instanceof ExportError) return reason;
    return new ExportError("ERR_LLMOPS_SHUTDOWN", `${endpoint}: request aborted`, { endpoint, cause });
  }
  return new ExportError("ERR_LLMOPS_NETWORK", `${endpoint}: ${code === undefined ? "" : `${code} `}${message}`, {
    endpoint,
    cause,
  });
}

/** The Node/undici error code (`ECONNRESET`, `UND_ERR_SOCKET`, …), looking through `cause` once. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const own = (error as { code?: unknown }).code;
  if (typeof own === "string") return own;
  const inner = (error as { cause?: unknown }).cause;
  if (typeof inner === "object" && inner !== null) {
    const nested = (inner as { code?: unknown }).code;
    if (typeof nested === "string") return nested;
  }
  return undefined;
}

function baseURL(value: unknown): string {
  if (typeof value !== "string") throw new ConfigError("baseURL", `must be an http(s) URL, got ${describe(value)}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError("baseURL", `must be an http(s) URL, got ${describe(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError("baseURL", `must be an http(s) URL, got ${describe(value)}`);
  }
  return value.replace(/\/+$/, "");
}

function headers(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError("headers", `must be an object of strings, got ${describe(value)}`);
  }
  const result: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== "string") throw new ConfigError("headers", `header "${name}" must be a string, got ${describe(entry)}`);
    result[name.toLowerCase()] = entry;
  }
  return result;
}
