import type { ChatPromptTemplate, PromptTemplate } from "@langchain/core/prompts";
import type { RunRecord } from "../core/run-record.ts";
import type { LlmopsError } from "../errors.ts";
import { createExportTransport } from "../export/create-export-transport.ts";
import { ExportingCallbackHandler } from "../handlers/exporting-callback-handler.ts";
import { PromptLinkRegistry } from "./prompt-link-registry.ts";
import { PromptLayerClient } from "./promptlayer-client.ts";
import type { GetPromptTemplateOptions, TrackPromptOptions } from "./promptlayer-client.ts";
import type { PromptLayerItem } from "./promptlayer-item.ts";
import { resolvePromptLayerOptions } from "./promptlayer-options.ts";
import type { PromptLayerCallbackHandlerOptions } from "./promptlayer-options.ts";
import { PromptLayerSender } from "./promptlayer-sender.ts";

/** PromptLayer answers a batch with one entry per span: let the answer grow with the batch. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * LangChain's `PromptLayerCallbackHandler`, for LangChain.js, with LangChain Python's option names.
 *
 * Every run of a trace becomes a PromptLayer span (so PromptLayer shows the agent's tree), sent in
 * batches to `POST /spans-bulk`; every LLM and chat-model run carries a request log (input and
 * output as prompt blueprints with tool calls and tool results, parameters, `pl_tags` plus the run's
 * tags, token counts, errors as `status: "ERROR"`). `pl_id_callback` then receives each LLM run's
 * PromptLayer request id. Deployments without `/spans-bulk` (404) get one `POST /log-request` per LLM run.
 *
 * Given in `config.callbacks`, the handler sees the whole tree; given to a model's constructor it
 * sees only that model's calls, each a trace of its own (set `traceId` to join them).
 *
 * @example
 * const pl = new PromptLayerCallbackHandler({
 *   pl_tags: ["chatopenai"],
 *   pl_id_callback: async (requestId) => {
 *     await pl.trackScore(requestId, 100);
 *     await pl.trackMetadata(requestId, { foo: "bar" });
 *   },
 * });
 * const chat = new ChatOpenAI({ callbacks: [pl] });
 * await chat.invoke("What comes after 1,2,3 ?");
 * await pl.flush();
 */
export class PromptLayerCallbackHandler extends ExportingCallbackHandler<PromptLayerItem> {
  readonly #links = new PromptLinkRegistry();
  readonly #client: PromptLayerClient;
  readonly #sender: PromptLayerSender;

  /** @throws {ConfigError} without an API key (option or `PROMPTLAYER_API_KEY`), or for any invalid option. */
  constructor(options: PromptLayerCallbackHandlerOptions = {}) {
    const resolved = resolvePromptLayerOptions(options);
    const transport = createExportTransport(options, {
      baseURL: resolved.baseURL,
      headers: { "x-api-key": resolved.apiKey },
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    // The sender and client exist before `this` does; their reports reach onError once it does.
    const relay = { report: (_error: LlmopsError): void => undefined };
    const sender = new PromptLayerSender({
      transport,
      serviceName: resolved.serviceName,
      plTags: resolved.plTags,
      plIdCallback: resolved.plIdCallback,
      onError: (error) => relay.report(error),
      logger: options.logger ?? console,
    });
    // The exporter closes the sender (and so the transport) after its last batch, on shutdown().
    super({ ...options, name: "PromptLayerCallbackHandler" }, sender);
    relay.report = (error) => this.reportError(error);
    this.#sender = sender;
    this.#client = new PromptLayerClient({
      transport,
      retry: this.retryPolicy,
      onError: (error) => relay.report(error),
      stopRetrying: this.closingSignal,
    });
  }

  /** False once `/spans-bulk` answered 404 and LLM runs go to `/log-request` one by one. */
  get usesSpansBulk(): boolean {
    return this.#sender.usesSpansBulk;
  }

  protected toWire(record: RunRecord): PromptLayerItem {
    const prompt = this.#links.linkFor(record);
    return prompt === undefined ? { record } : { record, prompt };
  }

  /**
   * Scores a logged request (`POST /rest/track-score`). Resolves `true` once accepted, `false` when
   * it finally failed (reported to `onError`); retried like a batch.
   * @param score an integer from 0 to 100 (else rejects with a `ValidationError`)
   * @param name names the score (PromptLayer keeps several per request)
   */
  trackScore(requestId: number, score: number, name?: string): Promise<boolean> {
    return this.trackRequest(this.#client.trackScore(requestId, score, name));
  }

  /** Adds metadata to a logged request (`POST /rest/track-metadata`); values must be strings. */
  trackMetadata(requestId: number, metadata: Record<string, string>): Promise<boolean> {
    return this.trackRequest(this.#client.trackMetadata(requestId, metadata));
  }

  /** Links a logged request to a registry template version or label (`POST /rest/track-prompt`). */
  trackPrompt(requestId: number, options: TrackPromptOptions): Promise<boolean> {
    return this.trackRequest(this.#client.trackPrompt(requestId, options));
  }

  /**
   * Fetches a registry template (`POST /prompt-templates/{name}`) as a LangChain prompt template
   * whose runs are tagged with `promptLayerPrompt(name, { version })`: a model called right after it
   * (`template.pipe(model)`) is logged as a use of that version, with the template's inputs as input
   * variables. Rejects with an `ExportError` when the template cannot be fetched.
   */
  getPromptTemplate(name: string, options?: GetPromptTemplateOptions): Promise<ChatPromptTemplate | PromptTemplate> {
    return this.#client.getPromptTemplate(name, options);
  }
}
