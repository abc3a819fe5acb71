import { createHash } from "node:crypto";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ZERO_SPAN = "0000000000000000";
const ZERO_TRACE = "00000000000000000000000000000000";

function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/**
 * The 32-hex OpenTelemetry trace id of a run's trace. A UUID trace id (the root run's id, or a user's
 * UUID) maps to its own hex digits, so the trace is findable by the id LangChain shows; any other
 * string (a user's `traceId` like `"checkout-42"`) maps to the first 128 bits of its SHA-256.
 * Deterministic: every run of a trace, in every batch, gets the same id.
 */
export function toTraceIdHex(traceId: string): string {
  if (UUID.test(traceId)) {
    const hex = traceId.replaceAll("-", "").toLowerCase();
    if (hex !== ZERO_TRACE) return hex;
  }
  return sha256Hex(traceId).slice(0, 32);
}

/**
 * The 16-hex span id of a run. Run ids are UUID v7, whose first 64 bits are mostly a millisecond
 * timestamp (runs started in the same millisecond would collide), so the span id is the UUID's last
 * 64 bits: the variant and 62 random bits. A non-UUID id maps to 64 bits of its SHA-256.
 */
export function toSpanIdHex(runId: string): string {
  if (UUID.test(runId)) {
    const hex = runId.replaceAll("-", "").slice(16).toLowerCase();
    if (hex !== ZERO_SPAN) return hex;
  }
  return sha256Hex(runId).slice(0, 16);
}
