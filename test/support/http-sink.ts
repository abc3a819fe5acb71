import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync } from "node:zlib";

/** One request the sink received. */
export interface SinkRequest {
  readonly method: string;
  readonly path: string;
  /** Lower-cased header names. */
  readonly headers: Record<string, string>;
  /** The body as received (possibly gzipped). */
  readonly rawBody: Buffer;
  /** The body as text, gunzipped when `content-encoding: gzip`. */
  readonly text: string;
  /** `Date.now()` when the body was complete (fake clock when timers are faked). */
  readonly receivedAt: number;
  /** Which socket carried it (1 = the first connection the sink accepted). */
  readonly connection: number;
  /** `JSON.parse(text)`. */
  json(): unknown;
}

/**
 * How to answer one request: a response, or a fault.
 * - `reset`: destroy the socket without answering;
 * - `reset-mid-response`: send the status line, headers and part of the body, then destroy;
 * - `hang`: never answer (the client must time out).
 */
export type SinkReply =
  | { status: number; headers?: Record<string, string>; body?: string }
  | "reset"
  | "reset-mid-response"
  | "hang";

/** Decides the reply to the request at `index` (0-based, in arrival order). */
export type SinkResponder = (request: SinkRequest, index: number) => SinkReply;

/** A local HTTP receiver on 127.0.0.1, port 0, recording every request. */
export interface HttpSink {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly requests: SinkRequest[];
  /** Connections accepted so far. */
  connections(): number;
  /** Replaces the responder. */
  respond(responder: SinkResponder): void;
  /** Destroys every socket and closes the server. */
  close(): Promise<void>;
}

/** `{ status: 200, body: "{}" }` for every request. */
export const alwaysOk: SinkResponder = () => ({ status: 200, body: "{}" });

/** Starts a sink; answer with `responder` (default {@link alwaysOk}). Close it in afterEach. */
export async function startHttpSink(responder: SinkResponder = alwaysOk): Promise<HttpSink> {
  let respond = responder;
  const requests: SinkRequest[] = [];
  const sockets = new Set<Socket>();
  const socketIds = new WeakMap<Socket, number>();
  let accepted = 0;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      const text = (headers["content-encoding"] === "gzip" ? gunzipSync(rawBody) : rawBody).toString("utf8");
      const request: SinkRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers,
        rawBody,
        text,
        receivedAt: Date.now(),
        connection: socketIds.get(req.socket) ?? 0,
        json: () => JSON.parse(text) as unknown,
      };
      const index = requests.push(request) - 1;
      answer(res, respond(request, index));
    });
  });
  server.on("connection", (socket: Socket) => {
    socketIds.set(socket, ++accepted);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => accepted,
    respond: (next) => {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function answer(res: ServerResponse, reply: SinkReply): void {
  if (reply === "hang") return;
  if (reply === "reset") {
    res.socket?.destroy();
    return;
  }
  if (reply === "reset-mid-response") {
    res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
    res.write('{"partial":');
    setImmediateReal(() => res.socket?.destroy());
    return;
  }
  res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
  res.end(reply.body ?? "");
}

/** The real `setImmediate`, even while a test fakes timers. */
const setImmediateReal: (callback: () => void) => void = globalThis.setImmediate.bind(globalThis);

/** A URL on 127.0.0.1 where nothing listens (connection refused). */
export async function refusedURL(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * Waits for `condition` by yielding to real I/O (works while timers are faked, as long as
 * `setImmediate` is not faked). Throws after `timeoutMs` of real time.
 */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => setImmediateReal(resolve));
  }
}
