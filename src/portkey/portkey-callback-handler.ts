import type { RunRecord } from "../core/run-record.ts";
import { ExportError } from "../errors.ts";
import type { HttpTransport } from "../export/http-transport.ts";
import { ExportingCallbackHandler } from "../handlers/exporting-callback-handler.ts";
import { sendPortkeyFeedback, toFeedbackBody, type PortkeyFeedback } from "./portkey-feedback.ts";
import type { PortkeyLog } from "./portkey-log.ts";
import { resolvePortkeyOptions, type PortkeyCallbackHandlerOptions } from "./portkey-options.ts";
import { createPortkeyLogSender, createPortkeyTransport } from "./portkey-sender.ts";
import { toPortkeyLog, type PortkeyMappingOptions } from "./to-portkey-log.ts";

/**
 * Sends every LangChain run — chains, agents, chat models, LLMs, tools, retrievers — to Portkey as
 * one log with trace fields, in batches (`POST {baseURL}/logs`, a JSON array). Model spans are
 * OpenAI-shaped, so Portkey reads their model, messages, tool calls and token usage the way it reads
 * its own gateway's logs.
 *
 * The trace id of a run is `config.metadata.traceId` (or `trace_id`), else the `traceId` option,
 * else the root run's id. Pass the handler in `config.callbacks` at invoke time so every child run
 * arrives with its parent; a handler given to a model's constructor sees only that model's calls,
 * each a root of its own (set `traceId` to keep them in one trace).
 *
 * Model calls that already go through a Portkey gateway (see {@link createPortkeyHeaders}) are
 * logged by the gateway; this handler sends only the spans around them.
 *
 * @example
 * ```ts
 * const portkey = new PortkeyCallbackHandler({ metadata: { _user: "u-42" } }); // key from PORTKEY_API_KEY
 * await agent.invoke(input, { callbacks: [portkey], metadata: { traceId: "req-123" } });
 * await portkey.feedback({ traceId: "req-123", value: 8 });
 * await portkey.shutdown(); // at exit: sends what is queued, closes sockets
 * ```
 */
export class PortkeyCallbackHandler extends ExportingCallbackHandler<PortkeyLog> {
  readonly #mapping: PortkeyMappingOptions;
  readonly #transport: HttpTransport;

  /** @throws {ConfigError} when no API key is given (option or `PORTKEY_API_KEY`), or an option is invalid. */
  constructor(options: PortkeyCallbackHandlerOptions = {}) {
    const resolved = resolvePortkeyOptions(options);
    const transport = createPortkeyTransport({ apiKey: resolved.apiKey, baseURL: resolved.baseURL }, options);
    // The exporter closes the transport through the sender at shutdown; the hook is a safety net (close is idempotent).
    super({ ...options, name: "PortkeyCallbackHandler" }, createPortkeyLogSender(transport), { close: () => transport.close() });
    this.#mapping = { metadata: resolved.metadata, gatewayPrefixes: resolved.gatewayPrefixes };
    this.#transport = transport;
  }

  protected toWire(record: RunRecord): PortkeyLog | undefined {
    return toPortkeyLog(record, this.#mapping);
  }

  /**
   * Records feedback on a trace: `POST {baseURL}/feedback`, retried like any export. Resolves with
   * the ids Portkey gave the feedback; when it cannot be delivered the failure goes to `onError`
   * (an `ExportError`) and the ids are `[]` — a tracing backend being down never throws into your
   * code. Invalid arguments reject at once with a `ValidationError` naming the field.
   *
   * @example
   * ```ts
   * await portkey.feedback({ traceId: "req-123", value: 8, weight: 1, metadata: { _user: "u-42" } });
   * ```
   */
  async feedback(feedback: PortkeyFeedback): Promise<string[]> {
    const body = toFeedbackBody(feedback);
    if (this.closingSignal.aborted) {
      this.reportError(new ExportError("ERR_LLMOPS_SHUTDOWN", "feedback after shutdown() was not sent", { endpoint: "/feedback", itemCount: 1, attempts: 0 }));
      return [];
    }
    const request = sendPortkeyFeedback(this.#transport, body, { ...this.retryPolicy, stopRetrying: this.closingSignal }).then((result) => {
      if (result.outcome.status === "success") return result.feedbackIds;
      this.reportError(result.outcome.error);
      return [];
    });
    return await this.trackRequest(request);
  }
}
