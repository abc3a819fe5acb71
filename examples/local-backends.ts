/**
 * The offline plumbing every example shares. Without an API key for a service, the example talks to
 * a local stand-in started here, on 127.0.0.1 and a free port:
 *
 * - no `OPENAI_API_KEY`: a local OpenAI-compatible server (`/v1/chat/completions`, JSON and SSE)
 *   that plays the seed agent's tool calls and answers plain chat questions;
 * - no `PORTKEY_API_KEY` / `PROMPTLAYER_API_KEY`: one local receiver speaking both wire protocols —
 *   Portkey's `/v1/logs` and `/v1/feedback`, PromptLayer's `/spans-bulk`, `/log-request`,
 *   `/rest/track-*` and `/prompt-templates/{name}` — that validates requests like the services do and
 *   records what arrived. Its registry holds a template named `example`, for the registry example.
 *
 * With a key, the example uses the real service and the handler reads its settings from the
 * environment (`PORTKEY_BASE_URL`, `PROMPTLAYER_BASE_URL` included).
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { PORTKEY_GATEWAY_URL } from "langchain-llmops";
import { startOpenAIServer } from "../test/support/openai-server.ts";
import type { OpenAIServer, RequestBody, Responder } from "../test/support/openai-server.ts";
import { startPortkeyServer } from "../test/support/portkey-server.ts";
import type { PortkeyServer } from "../test/support/portkey-server.ts";
import { startPromptLayerServer } from "../test/support/promptlayer-server.ts";
import type { PromptLayerServer, SeedTemplate } from "../test/support/promptlayer-server.ts";
import { seedResponder } from "../test/support/seed-agent.ts";

/** Where a client connects. An undefined field means: the library's default (its environment variable). */
export interface Connection {
  readonly apiKey?: string;
  readonly baseURL?: string;
  /** True when this is a local stand-in. */
  readonly local: boolean;
}

/** What an example's `main` runs against. */
export interface Backends {
  /** The chat model API (for `ChatOpenAI`'s `apiKey` and `configuration.baseURL`). */
  readonly openai: Connection;
  /** For `PortkeyCallbackHandler`'s `apiKey` and `baseURL`. */
  readonly portkey: Connection;
  /** For `PromptLayerCallbackHandler`'s `apiKey` and `baseURL`. */
  readonly promptlayer: Connection;
  /**
   * An OpenAI-compatible Portkey gateway: `PORTKEY_GATEWAY_URL` when both `PORTKEY_API_KEY` and
   * `OPENAI_API_KEY` are set, else the local model server standing in for it.
   */
  readonly gateway: Connection;
}

/** {@link Backends} plus the local servers (to read what arrived) and a way to stop them. */
export interface StartedBackends extends Backends {
  /** The local model server, when one was started. */
  readonly modelServer?: OpenAIServer;
  /** The local Portkey endpoints behind the receiver, when it was started. */
  readonly portkeyServer?: PortkeyServer;
  /** The local PromptLayer endpoints behind the receiver, when it was started. */
  readonly promptLayerServer?: PromptLayerServer;
  /** One line per backend saying which was used and why. */
  describe(): string[];
  /** Stops every local server. Safe to call twice. */
  close(): Promise<void>;
}

/** Environment variables the examples look at (a test passes `{}` to force every local stand-in). */
export type ExampleEnv = Readonly<Record<string, string | undefined>>;

const LOCAL_OPENAI_KEY = "sk-local";
const LOCAL_PORTKEY_KEY = "pk-local";
const LOCAL_PROMPTLAYER_KEY = "pl-local";

/** The registry template the prompt-registry example fetches: `example`, version 1. */
export const EXAMPLE_TEMPLATE: SeedTemplate["prompt_template"] = {
  type: "chat",
  messages: [
    { role: "system", content: [{ type: "text", text: "You are a comedian who writes one-line jokes." }] },
    { role: "user", content: [{ type: "text", text: "Tell me a joke about {product}." }] },
  ],
};

/** Plain chat questions the local model answers; anything else gets a short acknowledgement. */
const CANNED_ANSWERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/1,\s*2,\s*3/, "4 comes after 1, 2, 3."],
  [/another joke/i, "Why did the scarecrow win an award? Because he was outstanding in his field."],
  [/toaster/i, "Why did the toaster break up with the bread? It felt it was being taken for granted, one slice at a time."],
  [/kettle/i, "Why did the kettle retire? It had run out of steam."],
  [/meaning of life/i, "42."],
];

function lastUserText(body: RequestBody): string {
  const user = (body.messages ?? []).filter((message) => message.role === "user").at(-1);
  const content = user?.content;
  return typeof content === "string" ? content : JSON.stringify(content ?? "");
}

/** The local model: the seed agent's tool calls when tools are offered, a canned answer otherwise. */
export const localResponder: Responder = (body, index) => {
  if (Array.isArray(body.tools) && body.tools.length > 0) return seedResponder(body, index);
  const question = lastUserText(body);
  const content = CANNED_ANSWERS.find(([pattern]) => pattern.test(question))?.[1] ?? "Understood.";
  return { content, usage: { prompt_tokens: 8 + Math.ceil(question.length / 4), completion_tokens: Math.ceil(content.length / 4) } };
};

/** ` at <url>` for a base URL set in the environment, else nothing. */
function at(baseURL: string | undefined): string {
  return baseURL === undefined || baseURL.trim() === "" ? "" : ` at ${baseURL.trim()}`;
}

function has(env: ExampleEnv, name: string): boolean {
  return (env[name] ?? "").trim() !== "";
}

/**
 * Starts the local stand-ins the environment calls for (all of them for `env = {}`).
 * Always `close()` the result.
 */
export async function startBackends(env: ExampleEnv = process.env): Promise<StartedBackends> {
  const realOpenAI = has(env, "OPENAI_API_KEY");
  const realPortkey = has(env, "PORTKEY_API_KEY");
  const realPromptLayer = has(env, "PROMPTLAYER_API_KEY");
  const realGateway = realOpenAI && realPortkey;

  // The local model also stands in for the gateway unless both keys reach the real one.
  const modelServer = realGateway ? undefined : await startOpenAIServer({ respond: localResponder });
  const portkeyServer = realPortkey ? undefined : await startPortkeyServer({ apiKey: LOCAL_PORTKEY_KEY });
  const promptLayerServer = realPromptLayer
    ? undefined
    : await startPromptLayerServer({ apiKey: LOCAL_PROMPTLAYER_KEY, templates: { example: [{ version: 1, prompt_template: EXAMPLE_TEMPLATE }] } });
  const receiver = portkeyServer === undefined && promptLayerServer === undefined ? undefined : await startReceiver(portkeyServer, promptLayerServer);

  const local = (apiKey: string, baseURL: string): Connection => ({ apiKey, baseURL, local: true });
  const openai = realOpenAI || modelServer === undefined ? { local: false } : local(LOCAL_OPENAI_KEY, modelServer.baseURL);
  const portkey = realPortkey || receiver === undefined ? { local: false } : local(LOCAL_PORTKEY_KEY, `${receiver.url}/v1`);
  const promptlayer = realPromptLayer || receiver === undefined ? { local: false } : local(LOCAL_PROMPTLAYER_KEY, receiver.url);
  const gateway = realGateway || modelServer === undefined ? { baseURL: PORTKEY_GATEWAY_URL, local: false } : local(LOCAL_OPENAI_KEY, modelServer.baseURL);

  let closed: Promise<void> | undefined;
  return {
    openai,
    portkey,
    promptlayer,
    gateway,
    ...(modelServer === undefined ? {} : { modelServer }),
    ...(portkeyServer === undefined ? {} : { portkeyServer }),
    ...(promptLayerServer === undefined ? {} : { promptLayerServer }),
    describe: () => [
      openai.local
        ? `model:       local OpenAI-compatible server at ${openai.baseURL ?? ""} (no OPENAI_API_KEY)`
        : `model:       the OpenAI API${at(env.OPENAI_BASE_URL)} (OPENAI_API_KEY is set)`,
      portkey.local
        ? `Portkey:     local receiver at ${portkey.baseURL ?? ""} (no PORTKEY_API_KEY)`
        : `Portkey:     the Portkey API${at(env.PORTKEY_BASE_URL)} (PORTKEY_API_KEY is set)`,
      promptlayer.local
        ? `PromptLayer: local receiver at ${promptlayer.baseURL ?? ""} (no PROMPTLAYER_API_KEY)`
        : `PromptLayer: the PromptLayer API${at(env.PROMPTLAYER_BASE_URL)} (PROMPTLAYER_API_KEY is set)`,
    ],
    close() {
      closed ??= (async () => {
        await receiver?.close();
        await Promise.all([modelServer?.close(), portkeyServer?.close(), promptLayerServer?.close()]);
      })();
      return closed;
    },
  };
}

/**
 * One address for both wire protocols: `/v1/*` goes to the local Portkey endpoints, everything
 * else to the local PromptLayer endpoints (their paths never overlap). Bytes pass through untouched.
 */
async function startReceiver(
  portkey: PortkeyServer | undefined,
  promptlayer: PromptLayerServer | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  const upstreamOf = (path: string): URL | undefined => {
    const server = path.startsWith("/v1/") ? portkey : promptlayer;
    return server === undefined ? undefined : new URL(server.baseURL);
  };
  const server = createServer((req, res) => {
    const upstream = upstreamOf(req.url ?? "/");
    if (upstream === undefined) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"this service is not simulated locally"}');
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // A connection the local service dropped (a scripted fault) is dropped here too.
    forward.on("error", () => res.socket?.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs an example's `main` as a script: starts what the environment calls for, says what it used,
 * runs, stops everything, and sets a non-zero exit code on failure (the process then exits by itself).
 */
export async function runExample(main: (backends: StartedBackends) => Promise<unknown>): Promise<void> {
  const backends = await startBackends();
  try {
    for (const line of backends.describe()) console.log(line);
    console.log("");
    await main(backends);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await backends.close();
  }
}
