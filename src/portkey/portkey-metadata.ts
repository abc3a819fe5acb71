import type { JsonValue, RunRecord } from "../core/run-record.ts";
import { boundedJson, truncateText } from "./bounded-json.ts";

/** Portkey accepts metadata values that are strings of at most this many characters. */
export const PORTKEY_METADATA_MAX_CHARS = 128;

/** The `_source` every log carries, so Portkey users can filter what this package sent. */
export const PORTKEY_SOURCE = "langchain-llmops";

/**
 * Turns one metadata value into what Portkey accepts: a string of at most 128 characters. Strings
 * are cut (marked with `…`), numbers and booleans printed, objects and arrays JSON-encoded (the
 * encoding stops at the limit, so a huge object costs no more than a small one). `null` has no
 * string form worth sending and is skipped (undefined).
 */
export function toPortkeyMetadataValue(value: JsonValue): string | undefined {
  if (value === null) return undefined;
  if (typeof value === "string") return truncateText(value, PORTKEY_METADATA_MAX_CHARS);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return boundedJson(value, PORTKEY_METADATA_MAX_CHARS);
}

/**
 * The `metadata` object of one log. Later sources win: the handler's `metadata` option, then the
 * run's LangChain metadata (config metadata is per invocation, so it overrides the handler's
 * defaults), then `tags` (comma-separated), `_source`, and last the camelCase trace fields, which
 * nothing may override or the trace would break.
 */
export function toPortkeyMetadata(record: RunRecord, handlerMetadata: Readonly<Record<string, string>>): Record<string, string> {
  const metadata: Record<string, string> = { ...handlerMetadata };
  for (const [key, value] of Object.entries(record.metadata)) {
    const text = toPortkeyMetadataValue(value);
    if (text !== undefined) metadata[key] = text;
  }
  if (record.tags.length > 0) metadata.tags = truncateText(record.tags.join(","), PORTKEY_METADATA_MAX_CHARS);
  metadata._source = PORTKEY_SOURCE;
  metadata.traceId = truncateText(record.traceId, PORTKEY_METADATA_MAX_CHARS);
  metadata.spanId = record.runId;
  if (record.parentRunId !== undefined) metadata.parentSpanId = record.parentRunId;
  else delete metadata.parentSpanId;
  metadata.spanName = truncateText(record.name, PORTKEY_METADATA_MAX_CHARS);
  return metadata;
}
