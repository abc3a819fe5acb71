import type { ModelPayload } from "../core/run-record.ts";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "0.0.0.0"]);
/** The port Portkey's open-source gateway listens on by default (`npx @portkey-ai/gateway`). */
const SELF_HOSTED_GATEWAY_PORT = "8787";

/**
 * True when a model's calls already go through a Portkey gateway, which logs them itself: its base
 * URL is Portkey's hosted gateway (`*.portkey.ai`), the self-hosted default (`localhost:8787`), or
 * lies under one of `gatewayPrefixes` (user-listed gateways, normalized once with
 * {@link toGatewayPrefix}); or its configured default headers include an `x-portkey-*` header (only
 * header names are ever kept). Logging such a call through `/logs` would show it twice.
 */
export function isPortkeyGateway(model: Pick<ModelPayload, "baseURL" | "headerNames">, gatewayPrefixes: readonly string[] = []): boolean {
  if (model.headerNames?.some((name) => name.toLowerCase().startsWith("x-portkey-")) === true) return true;
  if (model.baseURL === undefined) return false;
  const url = parseURL(model.baseURL);
  if (url === undefined) return false;
  if (url.hostname === "portkey.ai" || url.hostname.endsWith(".portkey.ai")) return true;
  if (LOCAL_HOSTS.has(url.hostname) && url.port === SELF_HOSTED_GATEWAY_PORT) return true;
  const target = prefixOf(url);
  return gatewayPrefixes.some((prefix) => target === prefix || target.startsWith(`${prefix}/`));
}

/** A gateway URL as {@link isPortkeyGateway} compares it (origin and path, no trailing slash); undefined if not a URL. */
export function toGatewayPrefix(gatewayURL: string): string | undefined {
  const url = parseURL(gatewayURL);
  return url === undefined ? undefined : prefixOf(url);
}

function prefixOf(url: URL): string {
  return withoutTrailingSlash(`${url.origin}${url.pathname}`);
}

function parseURL(text: string): URL | undefined {
  return URL.canParse(text) ? new URL(text) : undefined;
}

function withoutTrailingSlash(text: string): string {
  return text.endsWith("/") ? text.slice(0, -1) : text;
}
