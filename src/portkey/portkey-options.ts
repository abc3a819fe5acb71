import { ENV, readEnv } from "../env.ts";
import { ConfigError } from "../errors.ts";
import { describe } from "../export/export-options.ts";
import type { ExportingHandlerOptions } from "../handlers/exporting-callback-handler.ts";
import { toGatewayPrefix } from "./is-portkey-gateway.ts";
import { PORTKEY_METADATA_MAX_CHARS } from "./portkey-metadata.ts";

/** Where Portkey's API lives when neither `baseURL` nor `PORTKEY_BASE_URL` says otherwise. */
export const PORTKEY_DEFAULT_BASE_URL = "https://api.portkey.ai/v1";

/** Metadata keys the handler writes itself on every log. */
const RESERVED_METADATA_KEYS = new Set(["traceId", "spanId", "parentSpanId", "spanName", "_source"]);

/**
 * Options of {@link PortkeyCallbackHandler}: Portkey's own settings, plus the tracing options
 * (`traceId`, `hideInputs`, `mask`, …) and the export options (batching, retries, `onError`,
 * `serverless`, …) every handler takes.
 */
export interface PortkeyCallbackHandlerOptions extends ExportingHandlerOptions {
  /**
   * Your Portkey API key (needs the `logs.write` scope), sent as `x-portkey-api-key`.
   * @default process.env.PORTKEY_API_KEY — construction throws a `ConfigError` when neither is set
   */
  apiKey?: string;
  /**
   * Portkey's API base URL; logs go to `{baseURL}/logs`, feedback to `{baseURL}/feedback`.
   * @default process.env.PORTKEY_BASE_URL, else "https://api.portkey.ai/v1"
   */
  baseURL?: string;
  /**
   * Metadata added to every log, e.g. `{ _user: "u-42", _environment: "prod" }` (Portkey indexes
   * `_user`, `_organisation`, `_environment`, `_prompt`). Values are strings of at most 128
   * characters. A run's `config.metadata` wins over these for the same key.
   * @default {}
   */
  metadata?: Readonly<Record<string, string>>;
  /**
   * Base URLs of Portkey gateways you host under your own domain. Model calls to these (like calls
   * to `api.portkey.ai` or `localhost:8787`, or with `x-portkey-*` default headers) are logged by
   * the gateway, so the handler sends no second log for them; their chain and tool spans still go.
   * @default []
   */
  gatewayBaseURLs?: readonly string[];
}

/** The Portkey-specific options, validated, with defaults applied. */
export interface ResolvedPortkeyOptions {
  readonly apiKey: string;
  /** Without a trailing slash. */
  readonly baseURL: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly gatewayPrefixes: readonly string[];
}

/** Validates the Portkey options (throws {@link ConfigError} naming the option and the bad value) and applies defaults. */
export function resolvePortkeyOptions(options: PortkeyCallbackHandlerOptions): ResolvedPortkeyOptions {
  const apiKey: unknown = options.apiKey ?? readEnv(ENV.PORTKEY_API_KEY);
  if (apiKey === undefined) {
    throw new ConfigError("apiKey", `no Portkey API key: pass the apiKey option or set ${ENV.PORTKEY_API_KEY}`);
  }
  if (typeof apiKey !== "string" || apiKey.trim() === "") {
    throw new ConfigError("apiKey", `must be a non-empty string, got ${apiKey === "" ? '""' : describe(apiKey)}`);
  }
  return {
    apiKey: apiKey.trim(),
    baseURL: httpURL("baseURL", options.baseURL ?? readEnv(ENV.PORTKEY_BASE_URL) ?? PORTKEY_DEFAULT_BASE_URL),
    metadata: metadataOption(options.metadata ?? {}),
    gatewayPrefixes: gatewayOption(options.gatewayBaseURLs ?? []),
  };
}

function httpURL(option: string, value: unknown): string {
  const url = typeof value === "string" && URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ConfigError(option, `must be an http(s) URL, got ${describe(value)}`);
  }
  return (value as string).replace(/\/+$/, "");
}

function metadataOption(value: unknown): Readonly<Record<string, string>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError("metadata", `must be an object of strings, got ${describe(value)}`);
  }
  const metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (RESERVED_METADATA_KEYS.has(key)) {
      throw new ConfigError(`metadata.${key}`, `is written by the handler on every log${key === "traceId" ? "; use the traceId option" : ""}`);
    }
    if (typeof entry !== "string") throw new ConfigError(`metadata.${key}`, `must be a string, got ${describe(entry)}`);
    if (entry.length > PORTKEY_METADATA_MAX_CHARS) {
      throw new ConfigError(`metadata.${key}`, `must be at most ${PORTKEY_METADATA_MAX_CHARS} characters (Portkey's limit), got ${entry.length}`);
    }
    metadata[key] = entry;
  }
  return Object.freeze(metadata);
}

function gatewayOption(value: unknown): readonly string[] {
  if (!Array.isArray(value)) throw new ConfigError("gatewayBaseURLs", `must be an array of URLs, got ${describe(value)}`);
  return value.map((entry: unknown, index) => {
    const url = httpURL(`gatewayBaseURLs[${index}]`, entry);
    return toGatewayPrefix(url) ?? url;
  });
}
