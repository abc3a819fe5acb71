import { ENV, readEnv } from "../env.ts";
import { ConfigError } from "../errors.ts";
import type { ExportingHandlerOptions } from "../handlers/exporting-callback-handler.ts";

/** The hosted API. */
export const PROMPTLAYER_BASE_URL = "https://api.promptlayer.com";

/** Receives the PromptLayer request id of one logged LLM run; may return a promise. */
export type PromptLayerIdCallback = (requestId: number) => unknown;

/**
 * Options of `PromptLayerCallbackHandler`. `pl_tags` and `pl_id_callback` keep LangChain Python's
 * names so code translates one to one; the camel-case spellings are accepted too. Every tracing and
 * export option (`maxBatchSize`, `flushIntervalMs`, `serverless`, `hideInputs`, `onError`, …) applies.
 */
export interface PromptLayerCallbackHandlerOptions extends ExportingHandlerOptions {
  /**
   * The PromptLayer API key, sent as `X-API-KEY`.
   * @default the `PROMPTLAYER_API_KEY` environment variable (a `ConfigError` when neither is set)
   */
  apiKey?: string;
  /**
   * The API's base URL (a self-hosted deployment, or a local server in tests).
   * @default the `PROMPTLAYER_BASE_URL` environment variable, else `https://api.promptlayer.com`
   */
  baseURL?: string;
  /**
   * Tags added to every logged LLM request, before the run's own tags (each at most 512 characters).
   * @default []
   */
  pl_tags?: readonly string[];
  /** Same as `pl_tags` (give one of the two). @default [] */
  plTags?: readonly string[];
  /**
   * Called once per LLM run with the request id PromptLayer gave it, after the batch carrying it was
   * accepted (never for a failed delivery). May be async: `flush()` resolves after it settled. Its
   * errors are caught and reported to `onError` as a `CallbackError`. Use the id with
   * `trackScore`, `trackMetadata` and `trackPrompt`. A run whose request log PromptLayer skipped
   * (it names a registry template that does not exist) gets no id. The batch waits for the callback
   * (at most until its `batchDeadlineMs`), so never await `flush()` or `shutdown()` inside it.
   * @default undefined
   */
  pl_id_callback?: PromptLayerIdCallback;
  /** Same as `pl_id_callback` (give one of the two). @default undefined */
  plIdCallback?: PromptLayerIdCallback;
  /** `service.name` of the spans' resource: how PromptLayer groups traces by application. @default "langchain" */
  serviceName?: string;
}

/** The PromptLayer-specific options, validated, with defaults applied. */
export interface ResolvedPromptLayerOptions {
  readonly apiKey: string;
  readonly baseURL: string;
  readonly plTags: readonly string[];
  readonly plIdCallback: PromptLayerIdCallback | undefined;
  readonly serviceName: string;
}

const MAX_TAG_CHARS = 512;

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  return String(value);
}

/** Exactly one of two spellings of an option (both only when they are the same value). */
function oneOf<T>(snake: string, snakeValue: T | undefined, camel: string, camelValue: T | undefined): T | undefined {
  if (snakeValue !== undefined && camelValue !== undefined && snakeValue !== camelValue) {
    throw new ConfigError(snake, `give ${snake} or ${camel}, not both`);
  }
  return snakeValue ?? camelValue;
}

function tags(option: string, value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(option, `must be an array of strings, got ${show(value)}`);
  for (const tag of value as unknown[]) {
    if (typeof tag !== "string" || tag === "" || tag.length > MAX_TAG_CHARS) {
      throw new ConfigError(option, `every tag must be a non-empty string of at most ${MAX_TAG_CHARS} characters, got ${show(tag)}`);
    }
  }
  return Object.freeze([...(value as string[])]);
}

/** Validates the PromptLayer options (a `ConfigError` names the option and the bad value). */
export function resolvePromptLayerOptions(options: PromptLayerCallbackHandlerOptions): ResolvedPromptLayerOptions {
  const apiKey: unknown = options.apiKey ?? readEnv(ENV.PROMPTLAYER_API_KEY);
  if (apiKey === undefined) {
    throw new ConfigError("apiKey", `no PromptLayer API key: pass apiKey or set ${ENV.PROMPTLAYER_API_KEY}`);
  }
  if (typeof apiKey !== "string" || apiKey.trim() === "") {
    throw new ConfigError("apiKey", `must be a non-empty string, got ${typeof apiKey === "string" ? "an empty string" : show(apiKey)}`);
  }
  const baseURL: unknown = options.baseURL ?? readEnv(ENV.PROMPTLAYER_BASE_URL) ?? PROMPTLAYER_BASE_URL;
  if (typeof baseURL !== "string" || !URL.canParse(baseURL) || !/^https?:$/.test(new URL(baseURL).protocol)) {
    throw new ConfigError("baseURL", `must be an http(s) URL, got ${show(baseURL)}`);
  }
  const plTags = options.pl_tags !== undefined ? tags("pl_tags", options.pl_tags) : tags("plTags", options.plTags);
  if (options.pl_tags !== undefined && options.plTags !== undefined) oneOf("pl_tags", options.pl_tags, "plTags", options.plTags);
  const plIdCallback: unknown = oneOf("pl_id_callback", options.pl_id_callback, "plIdCallback", options.plIdCallback);
  if (plIdCallback !== undefined && typeof plIdCallback !== "function") {
    throw new ConfigError(options.pl_id_callback !== undefined ? "pl_id_callback" : "plIdCallback", `must be a function, got ${show(plIdCallback)}`);
  }
  const serviceName: unknown = options.serviceName ?? "langchain";
  if (typeof serviceName !== "string" || serviceName === "") {
    throw new ConfigError("serviceName", `must be a non-empty string, got ${show(serviceName)}`);
  }
  return {
    apiKey: apiKey.trim(),
    baseURL,
    plTags,
    plIdCallback: plIdCallback as PromptLayerIdCallback | undefined,
    serviceName,
  };
}
