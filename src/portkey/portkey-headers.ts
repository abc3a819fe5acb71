/** Portkey's hosted AI gateway: point an OpenAI-compatible client (e.g. `ChatOpenAI`) here. */
export const PORTKEY_GATEWAY_URL = "https://api.portkey.ai/v1";

/**
 * What {@link createPortkeyHeaders} turns into `x-portkey-*` headers. Empty values (`undefined`,
 * `null`, `""`, `{}`) are skipped.
 */
export interface PortkeyHeadersOptions {
  /** Your Portkey API key → `x-portkey-api-key`. */
  apiKey?: string;
  /** Trace id shared with the callback handler's logs → `x-portkey-trace-id`. */
  traceId?: string;
  /** Spelling used by Portkey's SDKs; same header as `traceId` (which wins when both are set). */
  traceID?: string;
  /** → `x-portkey-span-id`. */
  spanId?: string;
  /** → `x-portkey-span-name`. */
  spanName?: string;
  /** → `x-portkey-parent-span-id`. */
  parentSpanId?: string;
  /** Metadata for the gateway's log (values strings of at most 128 characters) → `x-portkey-metadata` as JSON. */
  metadata?: Readonly<Record<string, string>>;
  /** The provider the gateway calls (`openai`, `anthropic`, …) → `x-portkey-provider`. */
  provider?: string;
  /** A Portkey virtual key → `x-portkey-virtual-key`. */
  virtualKey?: string;
  /** A gateway config: an object (sent as JSON) or a saved config's id → `x-portkey-config`. */
  config?: string | Readonly<Record<string, unknown>>;
  /** `false` turns off the gateway's request logging → `x-portkey-debug: false`. */
  debug?: boolean;
}

const HEADER_NAMES = {
  apiKey: "x-portkey-api-key",
  traceId: "x-portkey-trace-id",
  spanId: "x-portkey-span-id",
  spanName: "x-portkey-span-name",
  parentSpanId: "x-portkey-parent-span-id",
  metadata: "x-portkey-metadata",
  provider: "x-portkey-provider",
  virtualKey: "x-portkey-virtual-key",
  config: "x-portkey-config",
  debug: "x-portkey-debug",
} as const satisfies Record<Exclude<keyof PortkeyHeadersOptions, "traceID">, string>;

/**
 * Builds the headers that route an OpenAI-compatible client through Portkey's gateway and link its
 * calls to a trace, with the mapping of Portkey's `createHeaders`. A model configured this way is
 * logged by the gateway itself, so {@link PortkeyCallbackHandler} sends no second log for its calls
 * (it still sends the chain and tool spans around them).
 *
 * @example
 * ```ts
 * const model = new ChatOpenAI({
 *   model: "gpt-4o-mini",
 *   configuration: {
 *     baseURL: PORTKEY_GATEWAY_URL,
 *     defaultHeaders: createPortkeyHeaders({ apiKey: PORTKEY_API_KEY, provider: "openai", traceId: "req-123" }),
 *   },
 * });
 * ```
 */
export function createPortkeyHeaders(options: PortkeyHeadersOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const values: Record<keyof typeof HEADER_NAMES, string | boolean | Readonly<Record<string, unknown>> | undefined> = {
    apiKey: options.apiKey,
    traceId: isEmpty(options.traceId) ? options.traceID : options.traceId,
    spanId: options.spanId,
    spanName: options.spanName,
    parentSpanId: options.parentSpanId,
    metadata: options.metadata,
    provider: options.provider,
    virtualKey: options.virtualKey,
    config: options.config,
    debug: options.debug,
  };
  for (const key of Object.keys(HEADER_NAMES) as (keyof typeof HEADER_NAMES)[]) {
    const value = values[key];
    if (value === undefined || isEmpty(value)) continue;
    headers[HEADER_NAMES[key]] = typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  return headers;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  return typeof value === "object" && Object.keys(value).length === 0;
}
