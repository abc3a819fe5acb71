/**
 * A scripted OpenAI-compatible server for tests: a real `node:http` server on 127.0.0.1, port 0,
 * speaking `POST /v1/chat/completions` (JSON and SSE streaming), tool calls and error statuses.
 * Point a real `ChatOpenAI` at `baseURL` (`configuration: { baseURL }`, `apiKey: "sk-test"`, `maxRetries: 0`).
 *
 * @example
 * const server = await startOpenAIServer({ respond: queueResponder([{ content: "hi" }]) });
 * const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-test", maxRetries: 0, configuration: { baseURL: server.baseURL } });
 * await model.invoke("hello");
 * await server.close();
 */
import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A tool call the scripted model makes. `arguments` is sent verbatim when a string, else JSON-encoded. */
export interface ScriptedToolCall {
  id?: string;
  name: string;
  arguments: string | Record<string, unknown>;
}

/** Usage in OpenAI's wire shape. */
export interface ScriptedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
  prompt_tokens_details?: Record<string, number>;
  completion_tokens_details?: Record<string, number>;
}

/** What the server answers to one request. Every field is optional. */
export interface ScriptedResponse {
  /** Assistant text. @default "" (or null content when toolCalls are given) */
  content?: string;
  toolCalls?: ScriptedToolCall[];
  /** @default { prompt_tokens: 10, completion_tokens: 5 } */
  usage?: ScriptedUsage;
  /** HTTP status; >= 400 answers with an OpenAI-style JSON error body. @default 200 */
  status?: number;
  /** The JSON error body for an error status. @default OpenAI's shape derived from status */
  errorBody?: unknown;
  /** Extra response headers (e.g. `{ "retry-after": "1" }`). */
  headers?: Record<string, string>;
  /** Delay before the response headers are sent. @default 0 */
  delayMs?: number;
  /** Delay between streamed chunks. @default 0 */
  chunkDelayMs?: number;
  /** Model name in the response. @default the request's model */
  model?: string;
  /** @default "tool_calls" when toolCalls are given, else "stop" */
  finishReason?: string;
  /** Response id. @default "chatcmpl-test-<n>" */
  id?: string;
  /** How many content deltas the text is split into when streaming. @default up to 4 */
  streamParts?: number;
}

/** The request body as parsed JSON (unknown shape; tests narrow what they need). */
export type RequestBody = Record<string, unknown> & {
  model?: string;
  messages?: Array<Record<string, unknown>>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
};

/** Decides the response from the request body and the 0-based index of the request on this server. */
export type Responder = (body: RequestBody, requestIndex: number) => ScriptedResponse | Promise<ScriptedResponse>;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: RequestBody;
  /** `performance.now()` when the request arrived. */
  receivedAt: number;
}

export interface OpenAIServerOptions {
  /** @default always answers `{ content: "ok" }` */
  respond?: Responder;
}

export interface OpenAIServer {
  /** `http://127.0.0.1:PORT/v1` */
  baseURL: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A responder that answers from a fixed queue, then repeats the last entry (or throws when empty). */
export function queueResponder(responses: readonly ScriptedResponse[]): Responder {
  return (_body, index) => {
    const response = responses[Math.min(index, responses.length - 1)];
    if (response === undefined) throw new Error("queueResponder: no responses scripted");
    return response;
  };
}

const ERROR_TYPES: Record<number, { type: string; code: string; message: string }> = {
  400: { type: "invalid_request_error", code: "invalid_request", message: "Bad request." },
  401: { type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided." },
  429: { type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for requests." },
  500: { type: "server_error", code: "internal_error", message: "The server had an error while processing your request." },
  503: { type: "server_error", code: "service_unavailable", message: "The engine is currently overloaded." },
};

function defaultErrorBody(status: number): unknown {
  const known = ERROR_TYPES[status] ?? { type: "server_error", code: `http_${status}`, message: `HTTP ${status}` };
  return { error: { message: known.message, type: known.type, param: null, code: known.code } };
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function usageOf(response: ScriptedResponse): Required<Pick<ScriptedUsage, "prompt_tokens" | "completion_tokens" | "total_tokens">> & ScriptedUsage {
  const usage = response.usage ?? { prompt_tokens: 10, completion_tokens: 5 };
  return { ...usage, total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens };
}

function wireToolCalls(response: ScriptedResponse, prefix: string) {
  return (response.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `call_${prefix}_${index}`,
    type: "function" as const,
    function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
  }));
}

function splitText(text: string, parts: number): string[] {
  if (text === "") return [];
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the server on 127.0.0.1, port 0. Always `close()` it (afterEach/afterAll). */
export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const respond: Responder = options.respond ?? (() => ({ content: "ok" }));
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let counter = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = performance.now();
    const text = await readBody(req);
    let body: RequestBody;
    try {
      body = text === "" ? {} : (JSON.parse(text) as RequestBody);
    } catch {
      body = { raw: text };
    }
    const path = req.url ?? "/";
    const index = requests.length;
    requests.push({ method: req.method ?? "", path, headers: req.headers, body, receivedAt });

    if (req.method !== "POST" || !path.startsWith("/v1/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}`, type: "invalid_request_error", code: "not_found" } }));
      return;
    }

    const scripted = await respond(body, index);
    await sleep(scripted.delayMs ?? 0);
    const status = scripted.status ?? 200;
    const extraHeaders = scripted.headers ?? {};
    if (status >= 400) {
      const headers: Record<string, string> = { "content-type": "application/json", "x-request-id": `req_${index}`, ...extraHeaders };
      if (status === 429 && headers["retry-after"] === undefined) headers["retry-after"] = "1";
      res.writeHead(status, headers);
      res.end(JSON.stringify(scripted.errorBody ?? defaultErrorBody(status)));
      return;
    }

    counter += 1;
    const id = scripted.id ?? `chatcmpl-test-${counter}`;
    const model = scripted.model ?? body.model ?? "gpt-test";
    const created = Math.floor(Date.now() / 1000);
    const toolCalls = wireToolCalls(scripted, String(counter));
    const finishReason = scripted.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop");
    const content = scripted.content ?? "";
    const usage = usageOf(scripted);

    if (body.stream !== true) {
      res.writeHead(200, { "content-type": "application/json", "x-request-id": `req_${index}`, ...extraHeaders });
      res.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created,
          model,
          system_fingerprint: "fp_test",
          choices: [
            {
              index: 0,
              message: {
                role: "assistant",
                content: toolCalls.length > 0 && content === "" ? null : content,
                refusal: null,
                ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
              },
              logprobs: null,
              finish_reason: finishReason,
            },
          ],
          usage,
        }),
      );
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", ...extraHeaders });
    const base = { id, object: "chat.completion.chunk", created, model, system_fingerprint: "fp_test" };
    const send = async (payload: unknown): Promise<void> => {
      res.write(`data: ${JSON.stringify(payload)}\n\n`);
      await sleep(scripted.chunkDelayMs ?? 0);
    };
    const includeUsage = body.stream_options?.include_usage === true;
    const choice = (delta: Record<string, unknown>, finish: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
    await send(choice({ role: "assistant", content: "", refusal: null }));
    for (const part of splitText(content, scripted.streamParts ?? 4)) await send(choice({ content: part }));
    for (const [i, call] of toolCalls.entries()) {
      await send(choice({ tool_calls: [{ index: i, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }));
      for (const part of splitText(call.function.arguments, 2)) {
        await send(choice({ tool_calls: [{ index: i, function: { arguments: part } }] }));
      }
    }
    await send(choice({}, finishReason));
    if (includeUsage) await send({ ...base, choices: [], usage });
    res.end("data: [DONE]\n\n");
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `test server failure: ${String(error)}`, type: "server_error", code: "test_server" } }));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
