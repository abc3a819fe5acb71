import type { SendOutcome } from "../export/batch-sender.ts";
import type { HttpResult } from "../export/http-transport.ts";
import { toSendOutcome } from "../export/to-send-outcome.ts";

/**
 * PromptLayer's retry policy on top of the pipeline's: 200/201 are success, and every 5xx is worth
 * retrying (the official SDKs retry 429 and all 5xx; `/spans-bulk` upserts by span id, so a resent
 * batch stores nothing twice). Everything else as {@link toSendOutcome} decides.
 */
export function toPromptLayerOutcome(result: HttpResult, meta: { endpoint: string; itemCount: number; attempt: number }): SendOutcome {
  const outcome = toSendOutcome(result, { ...meta, successStatuses: [200, 201] });
  if (outcome.status === "failure" && outcome.error.status !== undefined && outcome.error.status >= 500) {
    return outcome.bytes === undefined
      ? { status: "retryable", error: outcome.error }
      : { status: "retryable", error: outcome.error, bytes: outcome.bytes };
  }
  return outcome;
}
