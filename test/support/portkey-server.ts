/**
 * A local Portkey receiver for tests: a real `node:http` server on 127.0.0.1, port 0, implementing
 * the two endpoints of the wire page (`/work/shared/docs/wire-portkey.md`) and validating requests
 * the way the hosted service does — API key, content type, JSON, required fields and their types,
 * string-only metadata of at most 128 characters — so a payload it accepts is one Portkey accepts.
 *
 * - `POST /v1/logs`: one log object or an array of them; answers a bare `200`.
 * - `POST /v1/feedback`: one feedback object or an array; answers `{ status, message, feedback_ids }`.
 *
 * Every request is recorded (raw bytes, decoded text, parsed body, the status answered). Faults are
 * scripted with `fail(...)`: status sequences, a dead endpoint (`times: Infinity`), connection
 * resets, delays.
 *
 * @example
 * const portkey = await startPortkeyServer({ apiKey: "pk-test" });
 * portkey.fail({ path: "/v1/logs", status: 503, times: 2 });   // then 200s
 * const handler = new PortkeyCallbackHandler({ apiKey: "pk-test", baseURL: portkey.baseURL });
 * // ... run, flush ...
 * expect(portkey.logs).toHaveLength(5);
 * await portkey.close();
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import type { PortkeyLog } from "../../src/portkey/portkey-log.ts";

export interface PortkeyServerOptions {
  /** The only API key accepted (anything else gets 401). @default any non-empty key */
  apiKey?: string;
  /** Delay before every answer, in ms. @default 0 */
  delayMs?: number;
  /** Bodies larger than this (decoded) get 413. @default 10 MiB */
  maxBodyBytes?: number;
}

/** One scripted fault, consumed by the next matching requests (in the order `fail` queued them). */
export interface PortkeyFault {
  /** Only requests to this path, e.g. `/v1/logs`. @default any path */
  path?: string;
  /** The status to answer, or `"reset"` to destroy the connection without answering. */
  status: number | "reset";
  /** How many requests this fault answers. @default 1 */
  times?: number;
  /** Delay before answering, in ms. @default 0 */
  delayMs?: number;
  /** Extra response headers, e.g. `{ "retry-after": "1" }`. */
  headers?: Record<string, string>;
  /** Response body. @default a Portkey-style JSON error */
  body?: string;
}

export interface PortkeyRecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/logs`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The bytes as received (still gzipped when `content-encoding: gzip`). */
  raw: Buffer;
  /** The decoded body text. */
  text: string;
  /** The parsed JSON body; undefined when it did not parse. */
  body: unknown;
  /** What the server answered (0 for a reset connection). */
  status: number;
  /** `performance.now()` when the request arrived. */
  receivedAt: number;
}

/** A feedback object as accepted, with the id the server gave it. */
export interface PortkeyReceivedFeedback {
  id: string;
  trace_id: string;
  value: number;
  weight?: number;
  metadata?: Record<string, unknown>;
}

export interface PortkeyServer {
  /** `http://127.0.0.1:<port>/v1` — what a handler's `baseURL` option takes. */
  readonly baseURL: string;
  /** Every request, in arrival order. */
  readonly requests: PortkeyRecordedRequest[];
  /** Every accepted log object, flattened across batches, in arrival order. */
  readonly logs: PortkeyLog[];
  /** Every accepted feedback object. */
  readonly feedback: PortkeyReceivedFeedback[];
  /** Queues faults for the next matching requests. */
  fail(...faults: PortkeyFault[]): void;
  /** Requests whose path is `path` (e.g. `/v1/logs`). */
  requestsTo(path: string): PortkeyRecordedRequest[];
  /** Stops the server, destroying open connections and pending delays. */
  close(): Promise<void>;
}

const LOGS_PATH = "/v1/logs";
const FEEDBACK_PATH = "/v1/feedback";

export async function startPortkeyServer(options: PortkeyServerOptions = {}): Promise<PortkeyServer> {
  const requests: PortkeyRecordedRequest[] = [];
  const logs: PortkeyLog[] = [];
  const feedback: PortkeyReceivedFeedback[] = [];
  const faults: Array<PortkeyFault & { remaining: number }> = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;

  const wait = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, ms);
          timers.add(timer);
        });

  const takeFault = (path: string): PortkeyFault | undefined => {
    const index = faults.findIndex((fault) => fault.path === undefined || fault.path === path);
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = (req.url ?? "/").split("?")[0]!;
    const recorded: PortkeyRecordedRequest = { method: req.method ?? "", path, headers: req.headers, raw, text: "", body: undefined, status: 0, receivedAt };
    requests.push(recorded);

    const answer = (status: number, body: string, headers: Record<string, string> = {}): void => {
      recorded.status = status;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(body);
    };

    const fault = takeFault(path);
    await wait(fault?.delayMs ?? options.delayMs ?? 0);
    if (fault?.status === "reset") {
      req.socket.destroy();
      return;
    }

    let decoded: Buffer;
    try {
      decoded = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
    } catch {
      answer(400, failure("body is not valid gzip"));
      return;
    }
    recorded.text = decoded.toString("utf8");
    try {
      recorded.body = recorded.text === "" ? undefined : (JSON.parse(recorded.text) as unknown);
    } catch {
      recorded.body = undefined;
    }

    if (fault !== undefined) {
      answer(fault.status, fault.body ?? failure(`scripted status ${String(fault.status)}`), fault.headers);
      return;
    }
    if (path !== LOGS_PATH && path !== FEEDBACK_PATH) return answer(404, failure(`no route for ${req.method ?? ""} ${path}`));
    if (req.method !== "POST") return answer(405, failure(`${req.method ?? ""} not allowed on ${path}`));
    const key = req.headers["x-portkey-api-key"];
    if (typeof key !== "string" || key === "" || (options.apiKey !== undefined && key !== options.apiKey)) {
      return answer(401, JSON.stringify({ success: false, data: { message: "Invalid API Key" } }));
    }
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return answer(415, failure("content-type must be application/json"));
    if (decoded.length > maxBodyBytes) return answer(413, failure(`body of ${decoded.length} bytes exceeds ${maxBodyBytes}`));
    if (recorded.body === undefined) return answer(400, failure("body is not valid JSON"));

    const items = Array.isArray(recorded.body) ? (recorded.body as unknown[]) : [recorded.body];
    if (items.length === 0) return answer(400, failure("empty array"));
    const validate = path === LOGS_PATH ? validateLog : validateFeedback;
    for (const [index, item] of items.entries()) {
      const problem = validate(item);
      if (problem !== undefined) return answer(400, failure(Array.isArray(recorded.body) ? `[${index}].${problem}` : problem));
    }

    if (path === LOGS_PATH) {
      logs.push(...(items as PortkeyLog[]));
      return answer(200, "");
    }
    const ids = (items as Omit<PortkeyReceivedFeedback, "id">[]).map((item) => {
      const id = randomUUID();
      feedback.push({ ...item, id });
      return id;
    });
    return answer(200, JSON.stringify({ status: "success", message: "feedback created", feedback_ids: ids }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(failure(String(error)));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    logs,
    feedback,
    fail: (...added) => {
      for (const fault of added) faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    requestsTo: (path) => requests.filter((request) => request.path === path),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function failure(message: string): string {
  return JSON.stringify({ status: "failure", message });
}

type Problem = string | undefined;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, field: string): Problem {
  if (!isObject(value)) return `${field}: required object`;
  for (const [key, item] of Object.entries(value)) if (typeof item !== "string") return `${field}.${key}: must be a string`;
  return undefined;
}

/** A log object as `/v1/logs` requires it (Portkey's log API reference and the wire page). */
function validateLog(log: unknown): Problem {
  if (!isObject(log)) return "log: must be an object";
  const { request, response, metadata } = log;
  if (!isObject(request)) return "request: required object";
  if (typeof request.url !== "string" || request.url === "") return "request.url: required string";
  if (typeof request.provider !== "string" || request.provider === "") return "request.provider: required string";
  if (request.method !== undefined && typeof request.method !== "string") return "request.method: must be a string";
  const requestHeaders = stringMap(request.headers, "request.headers");
  if (requestHeaders !== undefined) return requestHeaders;
  if (!isObject(request.body)) return "request.body: required object";
  if (!isObject(response)) return "response: required object";
  if (response.status !== undefined && !(Number.isInteger(response.status) && (response.status as number) >= 100 && (response.status as number) <= 599)) {
    return "response.status: must be an HTTP status";
  }
  const responseHeaders = stringMap(response.headers, "response.headers");
  if (responseHeaders !== undefined) return responseHeaders;
  if (!isObject(response.body)) return "response.body: required object";
  if (!Number.isInteger(response.response_time) || (response.response_time as number) < 0) return "response.response_time: required non-negative integer (ms)";
  if (response.streamingMode !== undefined && typeof response.streamingMode !== "boolean") return "response.streamingMode: must be a boolean";
  if (metadata !== undefined) {
    if (!isObject(metadata)) return "metadata: must be an object";
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== "string") return `metadata.${key}: must be a string`;
      if (value.length > 128) return `metadata.${key}: longer than 128 characters`;
    }
  }
  for (const field of ["trace_id", "span_id", "parent_span_id", "span_name"] as const) {
    if (log[field] !== undefined && (typeof log[field] !== "string" || log[field] === "")) return `${field}: must be a non-empty string`;
  }
  if (log.start_time !== undefined && (typeof log.start_time !== "number" || !Number.isFinite(log.start_time))) return "start_time: must be epoch seconds";
  return undefined;
}

/** A feedback object as `/v1/feedback` requires it. */
function validateFeedback(item: unknown): Problem {
  if (!isObject(item)) return "feedback: must be an object";
  if (typeof item.trace_id !== "string" || item.trace_id === "") return "trace_id: required string";
  if (!Number.isInteger(item.value) || (item.value as number) < -10 || (item.value as number) > 10) return "value: required integer from -10 to 10";
  if (item.weight !== undefined && (typeof item.weight !== "number" || item.weight < 0 || item.weight > 1)) return "weight: must be a number from 0 to 1";
  if (item.metadata !== undefined && !isObject(item.metadata)) return "metadata: must be an object";
  return undefined;
}
