/**
 * The configurations a user chooses between, each built the way its documentation says, each shipping
 * to the local sink under its own prefix:
 * - `none`: no callbacks at all (the baseline);
 * - `noop`: a handler that implements every run hook and does nothing (LangChain's own cost of having
 *   a handler), called inline like ours;
 * - `tracker` (opt-in, diagnostic): our `TracingCallbackHandler` with records built and discarded —
 *   splits our added time between the run tracker and the export path;
 * - `portkey`, `promptlayer`: our handlers, default options, `baseURL` at the sink;
 * - `langsmith`: `LangChainTracer` with a `langsmith` `Client` (`apiUrl` at the sink, auto-batching on,
 *   its defaults otherwise);
 * - `langfuse`: `@langfuse/langchain`'s `CallbackHandler` on an OpenTelemetry `BasicTracerProvider` with
 *   `LangfuseSpanProcessor` (`baseUrl` at the sink, its default batching and media scanning).
 * Our handlers come from the package entry (`../src/index.ts`), as a user imports them. A configuration
 * that cannot be built (its constructor throws) is reported as unavailable, never silently skipped.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { LangChainTracer } from "@langchain/core/tracers/tracer_langchain";
import { CallbackHandler as LangfuseCallbackHandler } from "@langfuse/langchain";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import { setLangfuseTracerProvider } from "@langfuse/tracing";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { Client as LangSmithClient } from "langsmith";
import { PortkeyCallbackHandler, PromptLayerCallbackHandler, TracingCallbackHandler } from "../src/index.ts";
import type { PortkeyCallbackHandlerOptions, PromptLayerCallbackHandlerOptions } from "../src/index.ts";

export type TracerName = "none" | "noop" | "tracker" | "portkey" | "promptlayer" | "langsmith" | "langfuse";
/** What a full run compares. */
export const TRACERS: readonly TracerName[] = ["none", "noop", "portkey", "promptlayer", "langsmith", "langfuse"];
/** Every configuration `--tracers=` accepts (`tracker` is opt-in: a diagnostic, not a user's choice). */
export const ALL_TRACERS: readonly TracerName[] = ["none", "noop", "tracker", "portkey", "promptlayer", "langsmith", "langfuse"];
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

/** Our run tracker and record building, nothing after: every finished record is counted and dropped. */
class RecordOnlyHandler extends TracingCallbackHandler {
  records = 0;
  constructor() {
    super({ name: "record-only" });
  }
  protected handleRecord(): void {
    this.records += 1;
  }
}

const resolved = async (): Promise<void> => {};

/**
 * Builds one configuration. `base` is the sink origin plus this child's prefix
 * (`http://127.0.0.1:PORT/c7`). Throws (with the reason) when the configuration cannot be built.
 */
export async function createTracer(name: TracerName, base: string): Promise<Tracer> {
  switch (name) {
    case "none":
      return { name, callbacks: undefined, flush: resolved, shutdown: resolved, stats: () => undefined };
    case "noop":
      return { name, callbacks: [new NoopHandler()], flush: resolved, shutdown: resolved, stats: () => undefined };
    case "tracker": {
      const handler = new RecordOnlyHandler();
      return { name, callbacks: [handler], flush: resolved, shutdown: resolved, stats: () => ({ records: handler.records, tracking: handler.trackerStats() }) };
    }
    case "portkey":
    case "promptlayer": {
      const handler =
        name === "portkey"
          ? new PortkeyCallbackHandler({ apiKey: "bench-key", baseURL: `${base}/v1` } satisfies PortkeyCallbackHandlerOptions)
          : new PromptLayerCallbackHandler({ apiKey: "bench-key", baseURL: base } satisfies PromptLayerCallbackHandlerOptions);
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
