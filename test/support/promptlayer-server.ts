/**
 * A local PromptLayer: a real `node:http` server on 127.0.0.1, port 0, speaking the protocol of
 * `shared/docs/wire-promptlayer.md` and validating like the hosted service would (X-API-KEY, required
 * fields, content as block arrays, 16/32-hex ids, integer nanosecond times, string-only metadata,
 * atomic batches). It answers with real-looking integer ids, records every request (raw bytes and
 * parsed body), and can be scripted to fail: status sequences, dropped connections (before or after
 * accepting), delays, and `/spans-bulk` missing altogether (an older deployment).
 *
 * @example
 * const pl = await startPromptLayerServer({ templates: { example: [{ prompt_template: chatBlueprint }] } });
 * pl.fail("/spans-bulk", 503, 503);           // the next two batches get 503
 * ... new PromptLayerCallbackHandler({ apiKey: pl.apiKey, baseURL: pl.baseURL })
 * expect(pl.requestLogs.map((l) => l.id)).toEqual(receivedIds);
 * await pl.close();
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonRecord = { [key: string]: Json };

/** A template version to seed the registry with. */
export interface SeedTemplate {
  /** Default: one more than the latest version of that name. */
  version?: number;
  /** Release labels (`"prod"`) pointing at this version. */
  labels?: string[];
  /** The prompt blueprint (`{ type: "chat", messages }` or `{ type: "completion", content }`). */
  prompt_template: JsonRecord;
  /** `metadata.model` of the response. */
  model?: { provider: string; name: string; parameters?: JsonRecord };
}

/** A stored template version (what `POST /prompt-templates/{name}` answers from). */
export interface StoredTemplate extends SeedTemplate {
  id: number;
  version: number;
  labels: string[];
}

export interface PromptLayerServerOptions {
  /** The key every request must carry in `X-API-KEY`. Default `"pl_test_key"`. */
  apiKey?: string;
  /** The first request id handed out; later ids count up from it. Default 48_213_907. */
  firstRequestId?: number;
  /** `false` simulates an older deployment: `/spans-bulk` answers 404. Default true. */
  spansBulk?: boolean;
  /** Where `/log-request` puts the new id: `id` (current) or `request_id` (an older docs page). Default `"id"`. */
  logRequestIdField?: "id" | "request_id";
  /** Registry templates by name. */
  templates?: Record<string, SeedTemplate[]>;
}

/** One request as received. */
export interface RecordedRequest {
  method: string;
  /** Decoded path without the query. */
  path: string;
  headers: Record<string, string>;
  /** The body bytes as they arrived (before gunzip). */
  raw: Buffer;
  /** Parsed JSON body (undefined when it did not parse). */
  body: unknown;
  /** The status answered (0 when the connection was dropped without an answer). */
  status: number;
  /** `Date.now()` at arrival. */
  receivedAt: number;
}

/** A request log PromptLayer stored. */
export interface StoredRequestLog {
  id: number;
  /** The span it came with (spans-bulk only). */
  spanId?: string;
  traceId?: string;
  via: "spans-bulk" | "log-request";
  body: JsonRecord;
}

/** A stored span (upserted by span id). */
export interface StoredSpan {
  id: number;
  span: JsonRecord;
  /** The request log id of the span's `log_request`, if one was stored. */
  requestLogId?: number;
}

/** A `/rest/track-*` call PromptLayer accepted. */
export interface StoredTrack {
  kind: "score" | "metadata" | "prompt";
  body: JsonRecord;
}

/**
 * A scripted answer for the next request to a path: a status (with an optional body and headers),
 * a delay before normal handling, or a dropped connection — before handling, or after the request was
 * accepted and stored (the client sees a network error although the server kept the data).
 */
export type Fault =
  | number
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { delayMs: number }
  | { drop: "before" | "after-accept"; delayMs?: number };

export interface PromptLayerServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly baseURL: string;
  readonly apiKey: string;
  /** Every request, in arrival order, including rejected ones. */
  readonly requests: RecordedRequest[];
  /** Stored spans in first-arrival order (a resent span replaces its entry). */
  readonly spans: StoredSpan[];
  /** Stored request logs, from `/spans-bulk` and `/log-request`. */
  readonly requestLogs: StoredRequestLog[];
  /** Accepted `/rest/track-*` calls. */
  readonly tracks: StoredTrack[];
  /** The registry: name → versions. Mutable: tests may seed it directly or with `seedTemplate`. */
  readonly templates: Map<string, StoredTemplate[]>;
  /** Adds a template version; returns it. */
  seedTemplate(name: string, template: SeedTemplate): StoredTemplate;
  /** Queues faults for the next requests to `path` (e.g. `"/spans-bulk"`), one fault per request. */
  fail(path: string, ...faults: Fault[]): void;
  /** Requests to one path. */
  requestsTo(path: string): RecordedRequest[];
  close(): Promise<void>;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ROLES = new Set(["system", "user", "assistant", "tool", "function", "developer", "placeholder"]);
const SPAN_KINDS = new Set(["SpanKind.CLIENT", "SpanKind.INTERNAL", "SpanKind.SERVER", "SpanKind.PRODUCER", "SpanKind.CONSUMER"]);
const STATUS_CODES = new Set(["StatusCode.OK", "StatusCode.ERROR", "StatusCode.UNSET"]);
/** 2001-09-09 in nanoseconds: a smaller time is milliseconds or seconds sent by mistake. */
const MIN_EPOCH_NS = 1e18;

class Invalid extends Error {}

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Invalid(message);
}

function validateBlocks(blocks: unknown, where: string): void {
  check(Array.isArray(blocks), `${where}.content must be an array of content blocks`);
  blocks.forEach((block, i) => {
    check(isRecord(block) && typeof block.type === "string", `${where}.content[${i}] must be an object with a type`);
    if (block.type === "text") check(typeof block.text === "string", `${where}.content[${i}].text must be a string`);
    if (block.type === "image_url") {
      check(isRecord(block.image_url) && typeof block.image_url.url === "string", `${where}.content[${i}].image_url.url must be a string`);
    }
  });
}

function validateBlueprint(value: unknown, where: string): void {
  check(isRecord(value), `${where} must be a prompt blueprint object`);
  if (value.type === "completion") {
    validateBlocks(value.content, where);
    return;
  }
  check(value.type === "chat", `${where}.type must be "chat" or "completion"`);
  check(Array.isArray(value.messages), `${where}.messages must be an array`);
  value.messages.forEach((message, i) => {
    const at = `${where}.messages[${i}]`;
    check(isRecord(message), `${at} must be an object`);
    check(typeof message.role === "string" && ROLES.has(message.role), `${at}.role is not a valid role`);
    validateBlocks(message.content, at);
    if (message.tool_calls !== undefined) {
      check(message.role === "assistant", `${at}.tool_calls only on assistant messages`);
      check(Array.isArray(message.tool_calls), `${at}.tool_calls must be an array`);
      message.tool_calls.forEach((call, j) => {
        check(
          isRecord(call) && typeof call.id === "string" && call.type === "function" && isRecord(call.function),
          `${at}.tool_calls[${j}] must be {id, type: "function", function}`,
        );
        check(
          typeof call.function.name === "string" && typeof call.function.arguments === "string",
          `${at}.tool_calls[${j}].function needs string name and arguments`,
        );
      });
    }
    if (message.role === "tool") check(typeof message.tool_call_id === "string", `${at}.tool_call_id is required for role tool`);
  });
}

function isNonNegativeInteger(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

function validateLogRequest(body: unknown, where: string): asserts body is JsonRecord {
  check(isRecord(body), `${where} must be an object`);
  check(typeof body.provider === "string" && body.provider !== "", `${where}.provider is required`);
  check(typeof body.model === "string" && body.model !== "", `${where}.model is required`);
  validateBlueprint(body.input, `${where}.input`);
  validateBlueprint(body.output, `${where}.output`);
  for (const key of ["request_start_time", "request_end_time"] as const) {
    const time = body[key];
    check(typeof time === "string" && ISO.test(time) && !Number.isNaN(Date.parse(time)), `${where}.${key} must be an ISO-8601 string`);
  }
  if (body.parameters !== undefined) check(isRecord(body.parameters), `${where}.parameters must be an object`);
  if (body.tags !== undefined) {
    check(Array.isArray(body.tags), `${where}.tags must be an array`);
    for (const tag of body.tags) check(typeof tag === "string" && tag.length <= 512, `${where}.tags: strings of at most 512 characters`);
  }
  if (body.metadata !== undefined) {
    check(isRecord(body.metadata), `${where}.metadata must be an object`);
    for (const [key, value] of Object.entries(body.metadata)) {
      check(typeof value === "string", `${where}.metadata.${key} must be a string`);
    }
  }
  if (body.prompt_name !== undefined) check(typeof body.prompt_name === "string", `${where}.prompt_name must be a string`);
  if (body.prompt_version_number !== undefined) {
    check(isNonNegativeInteger(body.prompt_version_number), `${where}.prompt_version_number must be an integer`);
  }
  if (body.prompt_input_variables !== undefined) {
    check(isRecord(body.prompt_input_variables), `${where}.prompt_input_variables must be an object`);
  }
  for (const key of ["input_tokens", "output_tokens"] as const) {
    if (body[key] !== undefined) check(isNonNegativeInteger(body[key]), `${where}.${key} must be a non-negative integer`);
  }
  if (body.price !== undefined) check(typeof body.price === "number", `${where}.price must be a number`);
  if (body.function_name !== undefined) check(typeof body.function_name === "string", `${where}.function_name must be a string`);
  if (body.score !== undefined) {
    check(isNonNegativeInteger(body.score) && (body.score as number) <= 100, `${where}.score must be an integer 0-100`);
  }
  if (body.status !== undefined) {
    check(body.status === "SUCCESS" || body.status === "WARNING" || body.status === "ERROR", `${where}.status is invalid`);
  }
  if (body.error_type !== undefined) check(typeof body.error_type === "string", `${where}.error_type must be a string`);
  if (body.error_message !== undefined) {
    check(typeof body.error_message === "string" && body.error_message.length <= 1024, `${where}.error_message: at most 1024 characters`);
  }
}

function validateSpan(span: unknown, where: string): asserts span is JsonRecord {
  check(isRecord(span), `${where} must be an object`);
  check(typeof span.name === "string" && span.name !== "", `${where}.name is required`);
  const context = span.context;
  check(isRecord(context), `${where}.context is required`);
  check(typeof context.trace_id === "string" && HEX32.test(context.trace_id), `${where}.context.trace_id must be 32 lowercase hex`);
  check(typeof context.span_id === "string" && HEX16.test(context.span_id), `${where}.context.span_id must be 16 lowercase hex`);
  check(
    span.parent_id === null || (typeof span.parent_id === "string" && HEX16.test(span.parent_id)),
    `${where}.parent_id must be null or 16 hex`,
  );
  check(typeof span.kind === "string" && SPAN_KINDS.has(span.kind), `${where}.kind is invalid`);
  for (const key of ["start_time", "end_time"] as const) {
    const time = span[key];
    check(typeof time === "number" && Number.isInteger(time) && time >= MIN_EPOCH_NS, `${where}.${key} must be integer nanoseconds`);
  }
  check((span.end_time as number) >= (span.start_time as number), `${where}.end_time is before start_time`);
  check(
    isRecord(span.status) && typeof span.status.status_code === "string" && STATUS_CODES.has(span.status.status_code),
    `${where}.status.status_code is invalid`,
  );
  check(isRecord(span.attributes), `${where}.attributes must be an object`);
  check(Array.isArray(span.events), `${where}.events must be an array`);
  check(Array.isArray(span.links), `${where}.links must be an array`);
  check(isRecord(span.resource) && isRecord(span.resource.attributes), `${where}.resource.attributes must be an object`);
  if (span.log_request !== undefined) validateLogRequest(span.log_request, `${where}.log_request`);
}

export async function startPromptLayerServer(options: PromptLayerServerOptions = {}): Promise<PromptLayerServer> {
  const apiKey = options.apiKey ?? "pl_test_key";
  const spansBulk = options.spansBulk ?? true;
  const idField = options.logRequestIdField ?? "id";
  let nextRequestId = options.firstRequestId ?? 48_213_907;
  let nextSpanRowId = 7_310_442;
  let nextTemplateId = 3_051;

  const requests: RecordedRequest[] = [];
  const spans: StoredSpan[] = [];
  const spanIndex = new Map<string, StoredSpan>();
  const requestLogs: StoredRequestLog[] = [];
  const requestLogIds = new Set<number>();
  const tracks: StoredTrack[] = [];
  const templates = new Map<string, StoredTemplate[]>();
  const faults = new Map<string, Fault[]>();

  function seedTemplate(name: string, template: SeedTemplate): StoredTemplate {
    const versions = templates.get(name) ?? [];
    const latest = versions.reduce((max, t) => Math.max(max, t.version), 0);
    const stored: StoredTemplate = {
      ...template,
      id: versions[0]?.id ?? nextTemplateId++,
      version: template.version ?? latest + 1,
      labels: template.labels ?? [],
    };
    templates.set(name, [...versions, stored]);
    return stored;
  }
  for (const [name, versions] of Object.entries(options.templates ?? {})) for (const t of versions) seedTemplate(name, t);

  function findTemplate(nameOrId: string, version: unknown, label: unknown): { name: string; template: StoredTemplate } | undefined {
    let name = nameOrId;
    let versions = templates.get(nameOrId);
    if (versions === undefined && /^\d+$/.test(nameOrId)) {
      for (const [n, v] of templates) {
        if (v[0]?.id === Number(nameOrId)) {
          name = n;
          versions = v;
        }
      }
    }
    if (versions === undefined || versions.length === 0) return undefined;
    let template: StoredTemplate | undefined;
    if (typeof version === "number") template = versions.find((t) => t.version === version);
    else if (typeof label === "string") template = versions.find((t) => t.labels.includes(label));
    else template = versions.reduce((a, b) => (b.version > a.version ? b : a));
    return template === undefined ? undefined : { name, template };
  }

  function storeRequestLog(body: JsonRecord, via: StoredRequestLog["via"], spanId?: string, traceId?: string): number {
    const id = nextRequestId++;
    const log: StoredRequestLog = { id, via, body };
    if (spanId !== undefined) log.spanId = spanId;
    if (traceId !== undefined) log.traceId = traceId;
    requestLogs.push(log);
    requestLogIds.add(id);
    return id;
  }

  /** A referenced template that does not exist: the request log is skipped (the span is kept). */
  function templateMissing(log: JsonRecord): boolean {
    if (typeof log.prompt_name !== "string") return false;
    return findTemplate(log.prompt_name, log.prompt_version_number, undefined) === undefined;
  }

  type Answer = { status: number; body: unknown };

  function handleSpansBulk(body: unknown): Answer {
    if (!spansBulk) return { status: 404, body: { detail: "Not Found" } };
    check(isRecord(body) && Array.isArray(body.spans) && body.spans.length > 0, "spans must be a non-empty array");
    // Validate everything first: one bad span rolls the whole batch back.
    body.spans.forEach((span, i) => validateSpan(span, `spans[${i}]`));
    const unique = new Map<string, JsonRecord>();
    for (const span of body.spans as JsonRecord[]) unique.set((span.context as JsonRecord).span_id as string, span);
    const answerSpans: Json[] = [];
    const answerLogs: Json[] = [];
    for (const [spanId, span] of unique) {
      let stored = spanIndex.get(spanId);
      if (stored === undefined) {
        stored = { id: nextSpanRowId++, span };
        spanIndex.set(spanId, stored);
        spans.push(stored);
      } else {
        stored.span = span;
      }
      answerSpans.push({ id: stored.id, name: span.name as string, span_id: spanId });
      const log = span.log_request;
      if (isRecord(log) && !templateMissing(log)) {
        if (stored.requestLogId === undefined) {
          stored.requestLogId = storeRequestLog(log, "spans-bulk", spanId, (span.context as JsonRecord).trace_id as string);
        } else {
          const existing = requestLogs.find((l) => l.id === stored.requestLogId);
          if (existing !== undefined) existing.body = log;
        }
        answerLogs.push({ id: stored.requestLogId, span_id: spanId });
      }
    }
    return { status: 201, body: { success: true, spans: answerSpans, request_logs: answerLogs } };
  }

  function handleLogRequest(body: unknown): Answer {
    validateLogRequest(body, "body");
    if (templateMissing(body)) return { status: 400, body: { success: false, message: "Prompt template not found" } };
    const id = storeRequestLog(body, "log-request");
    return { status: 201, body: { success: true, [idField]: id, prompt_blueprint: body.input } };
  }

  function knownRequest(body: JsonRecord): void {
    check(typeof body.request_id === "number" && Number.isInteger(body.request_id), "request_id must be an integer");
    check(requestLogIds.has(body.request_id), `request ${String(body.request_id)} not found`);
  }

  function handleTrack(kind: StoredTrack["kind"], body: unknown): Answer {
    check(isRecord(body), "body must be an object");
    knownRequest(body);
    if (kind === "score") {
      check(isNonNegativeInteger(body.score) && (body.score as number) <= 100, "score must be an integer 0-100");
      if (body.name !== undefined) check(typeof body.name === "string", "name must be a string");
    } else if (kind === "metadata") {
      check(isRecord(body.metadata), "metadata must be an object");
      for (const [key, value] of Object.entries(body.metadata)) check(typeof value === "string", `metadata.${key} must be a string`);
    } else {
      check(typeof body.prompt_name === "string", "prompt_name is required");
      check(isRecord(body.prompt_input_variables), "prompt_input_variables must be an object");
      check(!(body.version !== undefined && body.label !== undefined), "give version or label, not both");
      if (body.version !== undefined) check(isNonNegativeInteger(body.version), "version must be an integer");
      if (body.label !== undefined) check(typeof body.label === "string", "label must be a string");
      check(findTemplate(body.prompt_name, body.version, body.label) !== undefined, "prompt template not found");
    }
    tracks.push({ kind, body });
    return { status: 200, body: { success: true, message: "success" } };
  }

  function handleTemplate(nameOrId: string, body: unknown): Answer {
    const params = body === undefined ? {} : body;
    check(isRecord(params), "body must be an object");
    check(!(params.version !== undefined && params.label !== undefined), "give version or label, not both");
    const found = findTemplate(nameOrId, params.version, params.label);
    if (found === undefined) return { status: 404, body: { success: false, message: "Prompt template not found" } };
    const { template, name } = found;
    return {
      status: 200,
      body: {
        success: true,
        id: template.id,
        prompt_name: name,
        version: template.version,
        prompt_template: template.prompt_template,
        metadata: template.model === undefined ? {} : { model: template.model },
        llm_kwargs: template.model === undefined ? null : { model: template.model.name, ...template.model.parameters },
        commit_message: null,
        tags: [],
      },
    };
  }

  function route(path: string, body: unknown): Answer {
    switch (path) {
      case "/spans-bulk":
        return handleSpansBulk(body);
      case "/log-request":
        return handleLogRequest(body);
      case "/rest/track-score":
        return handleTrack("score", body);
      case "/rest/track-metadata":
        return handleTrack("metadata", body);
      case "/rest/track-prompt":
        return handleTrack("prompt", body);
      default:
        if (path.startsWith("/prompt-templates/")) return handleTemplate(path.slice("/prompt-templates/".length), body);
        return { status: 404, body: { detail: "Not Found" } };
    }
  }

  function answer(res: ServerResponse, recorded: RecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
    recorded.status = status;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = decodeURIComponent(url.pathname);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value;
    }
    let body: unknown;
    try {
      const text = (headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    const recorded: RecordedRequest = { method: req.method ?? "", path, headers, raw, body, status: 0, receivedAt: Date.now() };
    requests.push(recorded);

    const fault = faults.get(path)?.shift();
    if (fault !== undefined && typeof fault === "object" && fault.delayMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    }
    if (fault !== undefined && typeof fault === "object" && "drop" in fault && fault.drop === "before") {
      req.socket.destroy();
      return;
    }
    if (fault !== undefined && (typeof fault === "number" || "status" in fault)) {
      const status = typeof fault === "number" ? fault : fault.status;
      const faultBody = typeof fault === "object" && fault.body !== undefined ? fault.body : { success: false, message: `scripted ${status}` };
      answer(res, recorded, status, faultBody, typeof fault === "object" ? fault.headers : {});
      return;
    }

    if (req.method !== "POST") return answer(res, recorded, 405, { detail: "Method Not Allowed" });
    if (headers["x-api-key"] !== apiKey) return answer(res, recorded, 401, { success: false, message: "Invalid API key" });
    if (raw.length > 0 && body === undefined) return answer(res, recorded, 400, { success: false, message: "Body is not valid JSON" });
    let result: Answer;
    try {
      result = route(path, body);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      result = { status: 400, body: { success: false, message: error.message } };
    }
    if (fault !== undefined && typeof fault === "object" && "drop" in fault && fault.drop === "after-accept") {
      recorded.status = 0;
      req.socket.destroy();
      return;
    }
    answer(res, recorded, result.status, result.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: false, message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    spans,
    requestLogs,
    tracks,
    templates,
    seedTemplate,
    fail(path, ...queued) {
      faults.set(path, [...(faults.get(path) ?? []), ...queued]);
    },
    requestsTo(path) {
      return requests.filter((r) => r.path === path);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
