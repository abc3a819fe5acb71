import type { Dispatcher } from "undici";
import { resolveExportOptions, type ExportOptions } from "./export-options.ts";
import { HttpTransport } from "./http-transport.ts";

/** Where a backend is and how to reach it; the rest of the transport follows from the export options. */
export interface ExportConnection {
  /** The backend's base URL, e.g. `https://api.portkey.ai/v1`. Required. */
  baseURL: string;
  /** Headers for every request (API key, …). @default {} */
  headers?: Record<string, string>;
  /** Largest response body read, in bytes. @default 65536 */
  maxResponseBytes?: number;
  /** The undici dispatcher to use (tests: a `MockAgent`). @default a dedicated `Agent` */
  dispatcher?: Dispatcher;
}

/** Slack added to the flush interval so an idle socket survives until the next batch. */
const KEEP_ALIVE_SLACK_MS = 5000;

/**
 * The one way a backend's {@link HttpTransport} is sized from the export options: one socket per
 * concurrent batch plus one for single requests (feedback, track-*), so those never queue behind
 * batches; keep-alive longer than the flush interval, so sockets are reused between batches;
 * `requestTimeoutMs` and `gzip` as configured.
 *
 * @throws {ConfigError} when an export option is invalid.
 */
export function createExportTransport(options: ExportOptions | undefined, connection: ExportConnection): HttpTransport {
  const resolved = resolveExportOptions(options);
  return new HttpTransport({
    baseURL: connection.baseURL,
    ...(connection.headers === undefined ? {} : { headers: connection.headers }),
    ...(connection.maxResponseBytes === undefined ? {} : { maxResponseBytes: connection.maxResponseBytes }),
    ...(connection.dispatcher === undefined ? {} : { dispatcher: connection.dispatcher }),
    requestTimeoutMs: resolved.requestTimeoutMs,
    maxConnections: resolved.maxConcurrentRequests + 1,
    keepAliveTimeoutMs: Math.max(30_000, resolved.flushIntervalMs + KEEP_ALIVE_SLACK_MS),
    gzip: resolved.gzip,
  });
}
