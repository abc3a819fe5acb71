export { LlmopsError, ConfigError, ValidationError, ExportError, CallbackError } from "./errors.ts";
export type { LlmopsErrorCode } from "./errors.ts";
export type * from "./core/run-record.ts";
export type { BatchSender, SendContext, SendOutcome } from "./export/batch-sender.ts";
