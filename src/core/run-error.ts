/**
 * A thrown value → {@link RunError}: its class (`RateLimitError`), message, the provider's HTTP
 * status (`.status`, `.statusCode`, `.response.status`) and code (`.code`, `.error.code`,
 * LangChain's `.lc_error_code`). Never throws.
 */
import type { RunError } from "./run-record.ts";
import { truncateString } from "./sanitize.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function httpStatus(value: unknown): number | undefined {
  if (typeof value === "string" && /^\d{3}$/.test(value)) return Number(value);
  return typeof value === "number" && Number.isInteger(value) && value >= 100 && value <= 599 ? value : undefined;
}

function code(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value.slice(0, 128);
  return typeof value === "number" ? String(value) : undefined;
}

function typeOf(error: Record<string, unknown>): string {
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof ctor === "string" && ctor !== "" && ctor !== "Error" && ctor !== "Object") return ctor;
  return typeof error.name === "string" && error.name !== "" ? error.name : typeof ctor === "string" && ctor !== "" ? ctor : "Error";
}

/** Describes `error` for a run record; `maxMessageLength` bounds the message. */
export function toRunError(error: unknown, maxMessageLength: number): RunError {
  try {
    if (!isRecord(error)) {
      return { type: typeof error, message: truncateString(String(error), maxMessageLength) };
    }
    const result: { type: string; message: string; status?: number; code?: string } = {
      type: typeOf(error).slice(0, 128),
      message: truncateString(typeof error.message === "string" ? error.message : "[no message]", maxMessageLength),
    };
    const response = isRecord(error.response) ? error.response : undefined;
    const status = httpStatus(error.status) ?? httpStatus(error.statusCode) ?? httpStatus(response?.status);
    if (status !== undefined) result.status = status;
    const body = isRecord(error.error) ? error.error : undefined;
    const errorCode = code(error.code) ?? code(body?.code) ?? code(error.lc_error_code);
    if (errorCode !== undefined) result.code = errorCode;
    return result;
  } catch {
    return { type: "Error", message: "[unreadable error]" };
  }
}
