import type { SendOutcome } from "../export/batch-sender.ts";
import type { HttpTransport } from "../export/http-transport.ts";
import { sendWithRetry } from "../export/send-with-retry.ts";
import { describe, type ExportOptions } from "../export/export-options.ts";
import type { RetryControls } from "../export/send-with-retry.ts";
import { toSendOutcome } from "../export/to-send-outcome.ts";
import { ValidationError } from "../errors.ts";
import { PORTKEY_METADATA_MAX_CHARS } from "./portkey-metadata.ts";

/** The path of Portkey's feedback endpoint under `baseURL`. */
export const PORTKEY_FEEDBACK_PATH = "/feedback";

/** Feedback on one trace, as `PortkeyCallbackHandler.feedback()` takes it. */
export interface PortkeyFeedback {
  /** The trace the feedback is about (the `traceId` its logs carry). */
  traceId: string;
  /** The score: an integer from −10 to 10. */
  value: number;
  /** How much this feedback counts, from 0 to 1. @default 1 */
  weight?: number;
  /** Extra context, e.g. `{ _user: "u-42", comment: "wrong total" }`; string values of at most 128 characters. */
  metadata?: Readonly<Record<string, string>>;
}

/** The JSON body Portkey's `/feedback` takes for one feedback. */
export interface PortkeyFeedbackBody {
  trace_id: string;
  value: number;
  weight: number;
  metadata?: Record<string, string>;
}

/**
 * Checks one feedback and builds its wire body. Throws {@link ValidationError} naming the field:
 * `traceId` must be a non-empty string, `value` an integer from −10 to 10, `weight` a number from 0
 * to 1, `metadata` an object of strings of at most 128 characters.
 */
export function toFeedbackBody(feedback: PortkeyFeedback): PortkeyFeedbackBody {
  if (typeof feedback !== "object" || feedback === null) throw new ValidationError("feedback", `must be an object, got ${describe(feedback)}`);
  const { traceId, value, weight = 1, metadata } = feedback;
  if (typeof traceId !== "string" || traceId.trim() === "") throw new ValidationError("traceId", `must be a non-empty string, got ${describe(traceId)}`);
  if (typeof value !== "number" || !Number.isInteger(value) || value < -10 || value > 10) {
    throw new ValidationError("value", `must be an integer from -10 to 10, got ${describe(value)}`);
  }
  if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0 || weight > 1) {
    throw new ValidationError("weight", `must be a number from 0 to 1, got ${describe(weight)}`);
  }
  const body: PortkeyFeedbackBody = { trace_id: traceId, value, weight };
  if (metadata === undefined) return body;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new ValidationError("metadata", `must be an object of strings, got ${describe(metadata)}`);
  }
  for (const [key, entry] of Object.entries(metadata)) {
    if (typeof entry !== "string") throw new ValidationError(`metadata.${key}`, `must be a string, got ${describe(entry)}`);
    if (entry.length > PORTKEY_METADATA_MAX_CHARS) {
      throw new ValidationError(`metadata.${key}`, `must be at most ${PORTKEY_METADATA_MAX_CHARS} characters, got ${entry.length}`);
    }
  }
  body.metadata = { ...metadata };
  return body;
}

/** The result of one feedback request after its retries. */
export interface FeedbackResult {
  readonly outcome: SendOutcome;
  /** The ids Portkey gave the feedback (empty unless delivered). */
  readonly feedbackIds: string[];
}

/**
 * POSTs one feedback body to `{baseURL}/feedback`, retried by the same policy as log batches
 * (`sendWithRetry`, one idempotency key for all attempts). Never rejects.
 */
export async function sendPortkeyFeedback(
  transport: HttpTransport,
  body: PortkeyFeedbackBody,
  retry: ExportOptions & RetryControls,
): Promise<FeedbackResult> {
  const text = JSON.stringify(body);
  let feedbackIds: string[] = [];
  const outcome = await sendWithRetry(async (context) => {
    const result = await transport.post(PORTKEY_FEEDBACK_PATH, text, { signal: context.signal, idempotencyKey: context.idempotencyKey });
    const attemptOutcome = toSendOutcome(result, { endpoint: PORTKEY_FEEDBACK_PATH, itemCount: 1, attempt: context.attempt, successStatuses: [200] });
    if (attemptOutcome.status === "success" && result.kind === "response") feedbackIds = parseFeedbackIds(result.body);
    return attemptOutcome;
  }, retry);
  return { outcome, feedbackIds };
}

/** `{ status, message, feedback_ids: [...] }` → the ids; tolerant of a body that is not that shape. */
function parseFeedbackIds(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return [];
    const ids = (parsed as { feedback_ids?: unknown }).feedback_ids;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}
