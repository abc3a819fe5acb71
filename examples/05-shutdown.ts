/**
 * Example 5 — getting every record out before the process goes away.
 *
 * In a long-running server, create the handlers once, pass them in `config` per request, and call
 * `shutdown()` when the server stops: it sends what is queued (within `shutdownTimeoutMs`) and
 * closes the sockets. The handlers never install signal handlers themselves; wire SIGTERM as below.
 *
 * In a serverless function, the platform may freeze the process as soon as the function returns:
 * use `serverless: true` (no background timer; each finished root run starts a send) and await
 * `flush()` before returning.
 *
 * Run it: `npm run build && npx node examples/05-shutdown.ts` (offline without API keys).
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ChatOpenAI } from "@langchain/openai";
import { PortkeyCallbackHandler, PromptLayerCallbackHandler } from "langchain-llmops";
import type { HandlerStats } from "langchain-llmops";
import { runExample } from "./local-backends.ts";
import type { Backends } from "./local-backends.ts";

function chatModel(backends: Backends): ChatOpenAI {
  return new ChatOpenAI({
    model: "gpt-4o-mini",
    temperature: 0,
    apiKey: backends.openai.apiKey,
    configuration: { baseURL: backends.openai.baseURL },
  });
}

export interface AppServer {
  readonly url: string;
  /** Stops taking requests, lets the ones in flight finish, then ships what is queued. */
  stop(): Promise<void>;
  readonly portkey: PortkeyCallbackHandler;
  readonly promptlayer: PromptLayerCallbackHandler;
}

/** A server that answers `GET /?q=...`; each request's `x-request-id` names its trace. */
export async function startAppServer(backends: Backends): Promise<AppServer> {
  // One pair of handlers for the whole process: they batch across requests.
  const portkey = new PortkeyCallbackHandler({ apiKey: backends.portkey.apiKey, baseURL: backends.portkey.baseURL });
  const promptlayer = new PromptLayerCallbackHandler({ apiKey: backends.promptlayer.apiKey, baseURL: backends.promptlayer.baseURL });
  const model = chatModel(backends);

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const question = new URL(req.url ?? "/", "http://localhost").searchParams.get("q") ?? "What comes after 1,2,3 ?";
    const requestId = req.headers["x-request-id"];
    const traceId = typeof requestId === "string" ? requestId : randomUUID();
    const reply = await model.invoke(question, { callbacks: [portkey, promptlayer], metadata: { traceId } });
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(reply.text);
  };
  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off("SIGTERM", onSignal);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Sends every queued record (waiting at most shutdownTimeoutMs), then closes the sockets.
      await Promise.all([portkey.shutdown(), promptlayer.shutdown()]);
    })();
    return stopping;
  };
  const onSignal = (): void => void stop();
  process.once("SIGTERM", onSignal);

  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop, portkey, promptlayer };
}

export interface ServerlessResponse {
  readonly statusCode: number;
  readonly body: string;
  /** The handlers' counters when the function returned (nothing queued, nothing in flight). */
  readonly stats: { readonly portkey: HandlerStats; readonly promptlayer: HandlerStats };
}

export interface ServerlessFunction {
  handler(event: { question: string; requestId: string }): Promise<ServerlessResponse>;
  /** Closes the handlers' sockets: what the end of the instance's life does to them. */
  dispose(): Promise<void>;
}

/**
 * A serverless function. On a real platform the handlers live at module scope (created once per
 * cold start, reused by warm invocations); here the factory plays the cold start.
 */
export function createServerlessFunction(backends: Backends): ServerlessFunction {
  const portkey = new PortkeyCallbackHandler({ apiKey: backends.portkey.apiKey, baseURL: backends.portkey.baseURL, serverless: true });
  const promptlayer = new PromptLayerCallbackHandler({ apiKey: backends.promptlayer.apiKey, baseURL: backends.promptlayer.baseURL, serverless: true });
  const model = chatModel(backends);

  return {
    async handler(event) {
      const reply = await model.invoke(event.question, { callbacks: [portkey, promptlayer], metadata: { traceId: event.requestId } });
      // The process may be frozen right after return: deliver this invocation's records first.
      await Promise.all([portkey.flush(), promptlayer.flush()]);
      return { statusCode: 200, body: reply.text, stats: { portkey: portkey.stats(), promptlayer: promptlayer.stats() } };
    },
    async dispose() {
      await Promise.all([portkey.shutdown(), promptlayer.shutdown()]);
    },
  };
}

export interface ShutdownExampleResult {
  /** Trace ids of the server's requests. */
  readonly serverTraceIds: readonly string[];
  /** The server handlers' counters after `stop()`. */
  readonly serverStats: { readonly portkey: HandlerStats; readonly promptlayer: HandlerStats };
  readonly serverlessTraceIds: readonly string[];
  readonly serverlessResponses: readonly ServerlessResponse[];
}

export async function main(backends: Backends, print: (line: string) => void = console.log): Promise<ShutdownExampleResult> {
  const app = await startAppServer(backends);
  const serverTraceIds = ["req-1", "req-2", "req-3"].map((id) => `${id}-${randomUUID()}`);
  try {
    for (const traceId of serverTraceIds) {
      const response = await fetch(`${app.url}/?q=${encodeURIComponent("What comes after 1,2,3 ?")}`, { headers: { "x-request-id": traceId } });
      print(`server ${traceId}: ${await response.text()}`);
    }
  } finally {
    await app.stop(); // what a SIGTERM does
  }
  const serverStats = { portkey: app.portkey.stats(), promptlayer: app.promptlayer.stats() };
  print(`server stopped: Portkey sent ${serverStats.portkey.export.sent}, PromptLayer sent ${serverStats.promptlayer.export.sent}`);

  const fn = createServerlessFunction(backends);
  const serverlessTraceIds = [`fn-${randomUUID()}`, `fn-${randomUUID()}`];
  const serverlessResponses: ServerlessResponse[] = [];
  try {
    for (const requestId of serverlessTraceIds) {
      const response = await fn.handler({ question: "Tell me another joke?", requestId });
      serverlessResponses.push(response);
      const { portkey, promptlayer } = response.stats;
      print(
        `function ${requestId}: ${response.body} (on return: Portkey ${portkey.export.queued} queued, ${portkey.export.sent} sent;` +
          ` PromptLayer ${promptlayer.export.queued} queued, ${promptlayer.export.sent} sent)`,
      );
    }
  } finally {
    await fn.dispose();
  }
  return { serverTraceIds, serverStats, serverlessTraceIds, serverlessResponses };
}

if (import.meta.main) await runExample(main);
