/**
 * Credential stripping. LangChain hands handlers the serialized model (`kwargs.configuration`,
 * `defaultHeaders` — where Portkey and Helicone users put their keys) and invocation params; nothing
 * that looks like a credential may leave the process. These helpers never throw.
 */

/** What a redacted value is replaced with (the key stays, so a reader sees that something was there). */
export const REDACTED = "[redacted]";

// Normalized (lower case, no `-`/`_`/space) key fragments that mark a credential.
const SECRET_FRAGMENTS = [
  "apikey",
  "secret",
  "password",
  "passwd",
  "authorization",
  "credential",
  "privatekey",
  "cookie",
  // Portkey virtual keys (`x-portkey-virtual-key`) and Azure API Management keys (`Ocp-Apim-Subscription-Key`).
  "virtualkey",
  "subscriptionkey",
];
// Keys whose whole value is a credential carrier (header and query maps of HTTP clients).
const CARRIER_KEYS = new Set(["defaultheaders", "headers", "defaultquery"]);

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_\s.]/g, "");
}

// Every sanitized object asks about every key, and the same few (role, content, messages, …) recur
// in every record: the answers are cached (bounded), instead of normalizing each key each time.
const MAX_CACHED_KEYS = 1024;
const MAX_CACHED_KEY_LENGTH = 64;
const secretKeys = new Map<string, boolean>();

/**
 * True for keys whose values are credentials: `apiKey`, `api_key`, `x-portkey-api-key`,
 * `Authorization`, `access_token`, `token`, `client_secret`, `password`, `defaultHeaders`,
 * `x-portkey-virtual-key`, `Ocp-Apim-Subscription-Key`, ….
 * Token *counts* are not credentials: `max_tokens`, `total_tokens`, `tokenUsage` are kept
 * (a key is a token credential only when it ends in the singular `token`).
 */
export function isSecretKey(key: string): boolean {
  if (key.length > MAX_CACHED_KEY_LENGTH) return classifyKey(key);
  let secret = secretKeys.get(key);
  if (secret === undefined) {
    secret = classifyKey(key);
    if (secretKeys.size >= MAX_CACHED_KEYS) secretKeys.clear();
    secretKeys.set(key, secret);
  }
  return secret;
}

function classifyKey(key: string): boolean {
  const normalized = normalizeKey(key);
  if (CARRIER_KEYS.has(normalized)) return true;
  if (normalized.endsWith("token")) return true;
  for (const fragment of SECRET_FRAGMENTS) if (normalized.includes(fragment)) return true;
  return false;
}

/** True for the `configuration` key of a model's kwargs (kept only as a sanitized `baseURL`). */
export function isConfigurationKey(key: string): boolean {
  const normalized = normalizeKey(key);
  return normalized === "configuration" || normalized === "clientconfig";
}

/**
 * A URL safe to record: user info, query string and fragment removed (keys travel there too).
 * Returns undefined for anything that is not an absolute http(s) URL.
 */
export function redactUrl(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > 2048) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Where a serialized model sends its requests: a sanitized base URL and the names of its default headers. */
export interface ConnectionInfo {
  baseURL?: string;
  headerNames?: string[];
}

const BASE_URL_KEYS = ["baseURL", "baseUrl", "base_url", "basePath", "openai_api_base", "endpoint"];

/**
 * Reads the connection facts of a serialized model (`llm.kwargs`): `configuration.baseURL`
 * (or a top-level base URL kwarg) and the lower-cased names of `configuration.defaultHeaders`.
 * Header values are never read.
 */
export function connectionInfo(kwargs: unknown): ConnectionInfo {
  const info: ConnectionInfo = {};
  try {
    if (!isRecord(kwargs)) return info;
    const configuration = isRecord(kwargs.configuration) ? kwargs.configuration : undefined;
    for (const source of [configuration, kwargs]) {
      if (source === undefined || info.baseURL !== undefined) continue;
      for (const key of BASE_URL_KEYS) {
        const url = redactUrl(source[key]);
        if (url !== undefined) {
          info.baseURL = url;
          break;
        }
      }
    }
    const headers = configuration?.defaultHeaders ?? kwargs.defaultHeaders;
    if (isRecord(headers)) {
      const names = Object.keys(headers)
        .slice(0, 64)
        .map((name) => name.toLowerCase().slice(0, 128));
      if (names.length > 0) info.headerNames = names;
    }
  } catch {
    // A hostile object (throwing getter, proxy): record what we have.
  }
  return info;
}
