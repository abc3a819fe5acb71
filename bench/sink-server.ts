/**
 * The local backend every benchmarked tracer ships to: one `node:http` server on 127.0.0.1, port 0,
 * in the parent process (so its work is not counted in the measured child). Each child gets its own
 * path prefix (`/c7`), and the sink counts requests, bytes and records per prefix, so the harness can
 * prove that each tracer really delivered what it traced.
 *
 * It answers each protocol the way its real backend does: LangSmith (`GET /info`, `POST /runs/multipart`
 * or `/runs/batch`), Langfuse OTLP (`POST /api/public/otel/v1/traces`), Portkey (`POST /v1/logs` → 200)
 * and PromptLayer (`POST /spans-bulk` → 201 with `request_logs`, `POST /log-request` → 201 `{ id }`).
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** What the sink received under one prefix. */
export interface SinkCounts {
  requests: number;
  /** Request body bytes as received (compressed when the client compressed). */
  bytes: number;
  /**
   * Runs received: Portkey logs and PromptLayer spans (JSON lists), Langfuse's OTLP spans, and the
   * distinct run ids of LangSmith's multipart `post.<id>` / `patch.<id>` parts (a run posted at start
   * and patched at end counts once).
   */
  records: number;
  /** Requests per path (prefix removed), e.g. `{"/v1/logs": 12}`. */
  paths: Record<string, number>;
}

export interface SinkServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** Counts per prefix (`"c7"`); an empty record when nothing arrived. */
  counts(prefix: string): SinkCounts;
  close(): Promise<void>;
}

let nextRequestLogId = 100_000;

function emptyCounts(): SinkCounts {
  return { requests: 0, bytes: 0, records: 0, paths: {} };
}

function parseJson(body: Buffer, encoding: string | undefined): unknown {
  try {
    const raw = encoding === "gzip" ? gunzipSync(body) : body;
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
}

interface Answer {
  status: number;
  body: unknown;
  records: number;
}

const SPAN_ID_KEY = Buffer.from('"span_id":');

/** Occurrences of `"span_id":` in `body` (one per bench sample record; see `sample-records.ts`). */
function countSampleRecords(body: Buffer): number {
  let count = 0;
  for (let at = body.indexOf(SPAN_ID_KEY); at !== -1; at = body.indexOf(SPAN_ID_KEY, at + SPAN_ID_KEY.length)) count += 1;
  return count;
}

const MULTIPART_RUN = /name="(?:post|patch)\.([0-9a-f-]{36})"/g;

/** Spans in an OTLP/JSON export request. */
function countOtlpSpans(parsed: unknown): number {
  const request = parsed as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] } | undefined;
  let count = 0;
  for (const resource of request?.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) count += scope.spans?.length ?? 0;
  return count;
}

function answer(method: string, path: string, body: Buffer, encoding: string | undefined, fast: boolean, runIds: Set<string>): Answer {
  if (method === "GET" && path.endsWith("/info")) {
    return { status: 200, records: 0, body: { version: "0.12.0", batch_ingest_config: { use_multipart_endpoint: true }, instance_flags: {} } };
  }
  if (path.endsWith("/logs") && fast && encoding === undefined) {
    return { status: 200, records: countSampleRecords(body), body: { success: true } };
  }
  if (path.endsWith("/logs")) {
    const parsed = parseJson(body, encoding);
    return { status: 200, records: Array.isArray(parsed) ? parsed.length : parsed === undefined ? 0 : 1, body: { success: true } };
  }
  if (path.endsWith("/spans-bulk")) {
    const parsed = parseJson(body, encoding) as { spans?: { name?: string; context?: { span_id?: string }; log_request?: unknown }[] } | undefined;
    const spans = Array.isArray(parsed?.spans) ? parsed.spans : [];
    const answered = spans.map((s, i) => ({ id: `span-${nextRequestLogId + i}`, name: s.name ?? "", span_id: s.context?.span_id ?? "" }));
    const requestLogs = spans
      .filter((s) => s.log_request !== undefined)
      .map((s) => ({ id: (nextRequestLogId += 1), span_id: s.context?.span_id ?? "" }));
    return { status: 201, records: spans.length, body: { success: true, spans: answered, request_logs: requestLogs } };
  }
  if (path.endsWith("/otel/v1/traces")) {
    return { status: 200, records: countOtlpSpans(parseJson(body, encoding)), body: {} };
  }
  if (path.endsWith("/runs/multipart") && encoding === undefined) {
    let fresh = 0;
    for (const match of body.toString("latin1").matchAll(MULTIPART_RUN)) {
      if (!runIds.has(match[1]!)) {
        runIds.add(match[1]!);
        fresh += 1;
      }
    }
    return { status: 202, records: fresh, body: {} };
  }
  if (path.endsWith("/log-request")) {
    return { status: 201, records: 1, body: { success: true, id: (nextRequestLogId += 1) } };
  }
  return { status: 200, records: 0, body: {} };
}

/** Starts the sink on 127.0.0.1, port 0. */
export async function startSinkServer(): Promise<SinkServer> {
  const byPrefix = new Map<string, SinkCounts>();
  const runIdsByPrefix = new Map<string, Set<string>>();

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
    });
    req.on("end", () => {
      const url = req.url ?? "/";
      const slash = url.indexOf("/", 1);
      const prefix = slash === -1 ? url.slice(1) : url.slice(1, slash);
      const path = (slash === -1 ? "/" : url.slice(slash)).split("?")[0]!;
      const counts = byPrefix.get(prefix) ?? emptyCounts();
      byPrefix.set(prefix, counts);
      const encoding = req.headers["content-encoding"];
      let runIds = runIdsByPrefix.get(prefix);
      if (runIds === undefined) runIdsByPrefix.set(prefix, (runIds = new Set()));
      const result = answer(req.method ?? "GET", path, Buffer.concat(chunks), typeof encoding === "string" ? encoding : undefined, prefix.startsWith("f"), runIds);
      counts.requests += 1;
      counts.bytes += bytes;
      counts.records += result.records;
      counts.paths[path] = (counts.paths[path] ?? 0) + 1;
      const payload = JSON.stringify(result.body);
      res.writeHead(result.status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
      res.end(payload);
    });
  };

  const server: Server = createServer({ keepAliveTimeout: 30_000 }, onRequest);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    counts: (prefix) => {
      runIdsByPrefix.delete(prefix); // a prefix is read once its child has exited
      return byPrefix.get(prefix) ?? emptyCounts();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
