// The package's public surface. Every name is exported deliberately; everything else is internal.

// Handlers
export { PortkeyCallbackHandler } from "./portkey/portkey-callback-handler.ts";
export type { PortkeyCallbackHandlerOptions } from "./portkey/portkey-options.ts";
export { createPortkeyHeaders, PORTKEY_GATEWAY_URL } from "./portkey/portkey-headers.ts";
export type { PortkeyHeadersOptions } from "./portkey/portkey-headers.ts";
export type { PortkeyFeedback } from "./portkey/portkey-feedback.ts";
export type { PortkeyLog, PortkeyLogRequest, PortkeyLogResponse } from "./portkey/portkey-log.ts";

export { PromptLayerCallbackHandler } from "./promptlayer/promptlayer-callback-handler.ts";
export type { PromptLayerCallbackHandlerOptions, PromptLayerIdCallback } from "./promptlayer/promptlayer-options.ts";
export { promptLayerPrompt } from "./promptlayer/prompt-layer-prompt.ts";
export type { PromptLayerPromptOptions, PromptLayerPromptMetadata } from "./promptlayer/prompt-layer-prompt.ts";
export { PromptLayerClient } from "./promptlayer/promptlayer-client.ts";
export type { PromptLayerClientOptions, TrackPromptOptions, GetPromptTemplateOptions } from "./promptlayer/promptlayer-client.ts";
export type { PromptLayerSpan, LogRequestBody, PromptBlueprint } from "./promptlayer/promptlayer-wire.ts";

// Building blocks, for a handler of your own
export { ExportingCallbackHandler } from "./handlers/exporting-callback-handler.ts";
export type { ExportingHandlerOptions, ExportingHandlerHooks, HandlerStats } from "./handlers/exporting-callback-handler.ts";
export { TracingCallbackHandler } from "./core/tracing-callback-handler.ts";
export type { TracingStats } from "./core/tracing-callback-handler.ts";
export type { TracingOptions, HidePredicate } from "./core/tracing-options.ts";
export type { TrackerStats } from "./core/run-tracker.ts";
export { RunEvictedError } from "./core/run-evicted-error.ts";
export type { EvictionReason } from "./core/run-evicted-error.ts";
export type * from "./core/run-record.ts";

// Export pipeline
export { BatchExporter } from "./export/batch-exporter.ts";
export type { BatchExporterHooks } from "./export/batch-exporter.ts";
export { HttpTransport } from "./export/http-transport.ts";
export type { HttpTransportOptions, HttpResult, PostOptions } from "./export/http-transport.ts";
export { HttpBatchSender } from "./export/http-batch-sender.ts";
export type { HttpBatchSenderOptions } from "./export/http-batch-sender.ts";
export { createHttpExporter } from "./export/create-http-exporter.ts";
export type { HttpExporterOptions } from "./export/create-http-exporter.ts";
export { createExportTransport } from "./export/create-export-transport.ts";
export type { ExportConnection } from "./export/create-export-transport.ts";
export { sendWithRetry } from "./export/send-with-retry.ts";
export type { RetryControls } from "./export/send-with-retry.ts";
export { toSendOutcome, isRetryableStatus } from "./export/to-send-outcome.ts";
export type { OutcomeMeta } from "./export/to-send-outcome.ts";
export { EXPORT_DEFAULTS } from "./export/export-options.ts";
export type { ExportOptions } from "./export/export-options.ts";
export type { ExportStats, DroppedStats } from "./export/export-stats.ts";
export type { BatchSender, ClosableBatchSender, SendContext, SendOutcome } from "./export/batch-sender.ts";

// Errors
export { LlmopsError, ConfigError, ValidationError, ExportError, CallbackError } from "./errors.ts";
export type { LlmopsErrorCode } from "./errors.ts";
