/**
 * The configurations a user chooses between, each built the way its documentation says, each shipping
 * to the local sink under its own prefix:
 * - `none`: no callbacks at all (the baseline);
 * - `noop`: a handler that implements every run hook and does nothing (LangChain's own cost of having
 *   a handler), called inline like ours;
 * - `portkey`, `promptlayer`: our handlers, default options, `baseURL` at the sink;
 * - `langsmith`: `LangChainTracer` with a `langsmith` `Client` (`apiUrl` at the sink, auto-batching on,
 *   its defaults otherwise);
 * - `langfuse`: `@langfuse/langchain`'s `CallbackHandler` on an OpenTelemetry `BasicTracerProvider` with
 *   `LangfuseSpanProcessor` (`baseUrl` at the sink, its default batching and media scanning).
 * Our handlers are imported from the source (`../src/index.ts`) at run time, so the harness works before
 * they exist: a configuration that cannot be built is reported as unavailable, never silently skipped.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { LangChainTracer } from "@langchain/core/tracers/tracer_langchain";
import { CallbackHandler as LangfuseCallbackHandler } from "@langfuse/langchain";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import { setLangfuseTracerProvider } from "@langfuse/tracing";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { Client as LangSmithClient } from "langsmith";

export type TracerName = "none" | "noop" | "portkey" | "promptlayer" | "langsmith" | "langfuse";
export const TRACERS: readonly TracerName[] = ["none", "noop", "portkey", "promptlayer", "langsmith", "langfuse"];
/** Ours, for the goals. */
export const OURS: readonly TracerName[] = ["portkey", "promptlayer"];

export interface Tracer {
  readonly name: TracerName;
  /** What goes in `config.callbacks`; undefined for `none`. */
  readonly callbacks: BaseCallbackHandler[] | undefined;
  /** Ships everything traced so far (the vendor's own flush). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
  /** The vendor's counters, where it has them (ours: `stats()`). */
  stats(): unknown;
}

/** Options shared by our two handlers' constructors (as far as the benchmark needs them). */
export interface OurHandlerOptions {
  apiKey: string;
  baseURL: string;
  [option: string]: unknown;
}

/** The public surface of our handlers the benchmark relies on. */
export interface OurHandler extends BaseCallbackHandler {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
  stats(): unknown;
}

type OurHandlerClass = new (options: OurHandlerOptions) => OurHandler;

/** Where each of our handlers lives, should `src/index.ts` not export it yet. */
const MODULE_OF = {
  PortkeyCallbackHandler: "../src/portkey/portkey-callback-handler.ts",
  PromptLayerCallbackHandler: "../src/promptlayer/promptlayer-callback-handler.ts",
} as const;

/** How our handlers were loaded in this process (shown in the report). */
export const loadedFrom: Record<string, string> = {};

function describeError(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

/**
 * Our handler class by export name: from the package entry (`src/index.ts`) as a user imports it, or,
 * while the entry does not export it yet, from its own module (noted in the report); else the reason.
 */
export async function loadOurHandler(exportName: keyof typeof MODULE_OF): Promise<OurHandlerClass | string> {
  let reason: string;
  try {
    const mod = (await import("../src/index.ts")) as Record<string, unknown>;
    const cls = mod[exportName];
    if (typeof cls === "function") {
      loadedFrom[exportName] = "src/index.ts";
      return cls as OurHandlerClass;
    }
    reason = `${exportName} is not exported from src/index.ts`;
  } catch (error) {
    reason = `cannot load src/index.ts: ${describeError(error)}`;
  }
  try {
    const mod = (await import(MODULE_OF[exportName])) as Record<string, unknown>;
    const cls = mod[exportName];
    if (typeof cls === "function") {
      loadedFrom[exportName] = `${MODULE_OF[exportName].slice(3)} (${reason})`;
      return cls as OurHandlerClass;
    }
  } catch (error) {
    return `${reason}; ${MODULE_OF[exportName].slice(3)}: ${describeError(error)}`;
  }
  return reason;
}

/** Does nothing in every run hook; inline (`_awaitHandler: true`) so it costs what LangChain charges per handler. */
class NoopHandler extends BaseCallbackHandler {
  name = "noop";
  constructor() {
    super({ _awaitHandler: true });
  }
  override handleLLMStart(): void {}
  override handleChatModelStart(): void {}
  override handleLLMEnd(): void {}
  override handleLLMError(): void {}
  override handleChainStart(): void {}
  override handleChainEnd(): void {}
  override handleChainError(): void {}
  override handleToolStart(): void {}
  override handleToolEnd(): void {}
  override handleToolError(): void {}
}

const resolved = async (): Promise<void> => {};

/**
 * Builds one configuration. `base` is the sink origin plus this child's prefix
 * (`http://127.0.0.1:PORT/c7`). Throws (with the reason) when the configuration cannot be built.
 */
export async function createTracer(name: TracerName, base: string, ourOptions: Record<string, unknown> = {}): Promise<Tracer> {
  switch (name) {
    case "none":
      return { name, callbacks: undefined, flush: resolved, shutdown: resolved, stats: () => undefined };
    case "noop":
      return { name, callbacks: [new NoopHandler()], flush: resolved, shutdown: resolved, stats: () => undefined };
    case "portkey":
    case "promptlayer": {
      const cls = await loadOurHandler(name === "portkey" ? "PortkeyCallbackHandler" : "PromptLayerCallbackHandler");
      if (typeof cls === "string") throw new Error(cls);
      const baseURL = name === "portkey" ? `${base}/v1` : base;
      const handler = new cls({ apiKey: "bench-key", baseURL, ...ourOptions });
      return {
        name,
        callbacks: [handler],
        flush: () => handler.flush(),
        shutdown: () => handler.shutdown(),
        stats: () => handler.stats(),
      };
    }
    case "langsmith": {
      const client = new LangSmithClient({ apiUrl: base, apiKey: "ls-bench-key", autoBatchTracing: true });
      const tracer = new LangChainTracer({ client, projectName: "bench" });
      return {
        name,
        callbacks: [tracer],
        flush: async () => {
          await client.awaitPendingTraceBatches();
          await client.flush();
        },
        shutdown: () => client.awaitPendingTraceBatches(),
        stats: () => undefined,
      };
    }
    case "langfuse": {
      const processor = new LangfuseSpanProcessor({ publicKey: "pk-lf-bench", secretKey: "sk-lf-bench", baseUrl: base });
      const provider = new BasicTracerProvider({ spanProcessors: [processor] });
      setLangfuseTracerProvider(provider);
      const handler = new LangfuseCallbackHandler();
      return {
        name,
        callbacks: [handler],
        flush: () => provider.forceFlush(),
        shutdown: () => provider.shutdown(),
        stats: () => undefined,
      };
    }
  }
}
