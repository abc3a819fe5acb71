/**
 * Builds the finished, deep-frozen {@link RunRecord} of a run from what the tracker kept and how the
 * run ended. Everything LangChain handed over is sanitized here, once. Never throws for any input
 * (a field that cannot be read is degraded, the record is still produced).
 */
import type {
  ChainPayload,
  JsonObject,
  JsonValue,
  ModelPayload,
  RecordAgentAction,
  RecordDocument,
  RecordEvent,
  RecordMessage,
  RetrieverPayload,
  RunPayload,
  RunRecord,
  ToolPayload,
} from "./run-record.ts";
import type { OpenRun, RawTimed, RunEnd } from "./open-run.ts";
import { isLangChainMessage } from "./message-shape.ts";
import { toRecordMessage, toRecordMessages } from "./messages.ts";
import { responseModelInfo } from "./model-info.ts";
import { readField } from "./read-field.ts";
import { toRunError } from "./run-error.ts";
import type { SanitizeLimits } from "./sanitize.ts";
import { sanitize, sanitizeObject, truncateString } from "./sanitize.ts";
import { extractUsage } from "./usage.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Freezes a plain JSON-like tree in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A string field that should have been a string: primitives are kept as text, anything else is marked. */
function asText(value: unknown, limits: SanitizeLimits): string {
  if (typeof value === "string") return truncateString(value, limits.maxStringLength);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return value === undefined || value === null ? "" : "[non-text value]";
}

function firstGenerations(output: unknown): unknown[] {
  const batch = readField(readField(output, "generations"), "0");
  return Array.isArray(batch) ? (batch as unknown[]) : [];
}

function outputMessages(output: unknown, limits: SanitizeLimits): RecordMessage[] {
  return firstGenerations(output).map((generation) => {
    const message = readField(generation, "message");
    if (isRecord(message)) return toRecordMessage(message, limits);
    return { role: "assistant", content: asText(readField(generation, "text"), limits) };
  });
}

function modelPayload(run: OpenRun & { start: { kind: "model" } }, end: RunEnd, limits: SanitizeLimits): ModelPayload {
  const { start } = run;
  const response = responseModelInfo(end.output);
  const payload: { -readonly [K in keyof ModelPayload]: ModelPayload[K] } = {
    kind: "model",
    invocationParams: sanitizeObject(start.invocationParams, limits),
    inputMessages: toRecordMessages(start.messages, limits),
    outputMessages: outputMessages(end.output, limits),
    streamed: run.chunkCount > 0,
  };
  const model = start.info.model ?? response.model;
  if (model !== undefined) payload.model = model;
  const provider = start.info.provider ?? response.provider;
  if (provider !== undefined) payload.provider = provider;
  if (start.info.serializedId) payload.serializedId = start.info.serializedId;
  if (start.info.baseURL !== undefined) payload.baseURL = start.info.baseURL;
  if (start.info.headerNames) payload.headerNames = start.info.headerNames;
  if (Array.isArray(start.prompts)) {
    payload.prompts = (start.prompts as unknown[]).map((prompt) => asText(prompt, limits));
  }
  if (response.finishReason !== undefined) payload.finishReason = response.finishReason;
  const usage = extractUsage(end.output);
  if (usage) payload.usage = usage;
  if (run.chunkCount > 0) payload.chunkCount = run.chunkCount;
  if (run.firstTokenMono !== undefined) payload.timeToFirstTokenMs = run.firstTokenMono - run.startMono;
  if (response.responseId !== undefined) payload.responseId = response.responseId;
  return payload;
}

/** Tool input arrives as a string (structured tools: JSON); objects are recorded parsed. */
function toolInput(input: unknown, limits: SanitizeLimits): JsonValue {
  if (typeof input === "string" && input.length <= limits.maxStringLength && /^\s*[[{]/.test(input)) {
    try {
      return sanitize(JSON.parse(input) as unknown, limits);
    } catch {
      // Not JSON after all: keep the string.
    }
  }
  return sanitize(input, limits);
}

/** Under `createAgent` a tool ends with a `ToolMessage`: its content is the tool's output. */
function toolOutput(output: unknown, limits: SanitizeLimits): JsonValue {
  if (isLangChainMessage(output)) {
    const message = toRecordMessage(output, limits);
    return typeof message.content === "string" ? message.content : sanitize(message.content, limits);
  }
  return sanitize(output, limits);
}

function documents(output: unknown, limits: SanitizeLimits): RecordDocument[] {
  if (!Array.isArray(output)) return [];
  return (output as unknown[]).slice(0, limits.maxArrayLength ?? 1000).map((doc) => {
    const isObject = typeof doc === "object" && doc !== null;
    const result: { pageContent: string; metadata: JsonObject; id?: string } = {
      pageContent: asText(isObject ? readField(doc, "pageContent") : doc, limits),
      metadata: sanitizeObject(readField(doc, "metadata"), limits),
    };
    const id = readField(doc, "id");
    if (typeof id === "string") result.id = id;
    return result;
  });
}

function agentActions(actions: readonly RawTimed[], limits: SanitizeLimits): RecordAgentAction[] {
  return actions.map((action) => {
    const tool = readField(action.data, "tool");
    return {
      tool: typeof tool === "string" ? tool.slice(0, 256) : "",
      toolInput: sanitize(readField(action.data, "toolInput"), limits),
      log: asText(readField(action.data, "log"), limits),
      time: action.time,
    };
  });
}

function chainPayload(run: OpenRun & { start: { kind: "chain" } }, end: RunEnd, limits: SanitizeLimits): ChainPayload {
  const payload: { -readonly [K in keyof ChainPayload]: ChainPayload[K] } = {
    kind: "chain",
    inputs: sanitize(end.inputs ?? run.start.inputs, limits),
  };
  if (end.status === "success") payload.outputs = sanitize(end.output, limits);
  if (run.agentActions) payload.agentActions = agentActions(run.agentActions, limits);
  if (run.agentFinish !== undefined) {
    payload.agentFinish = {
      returnValues: sanitize(readField(run.agentFinish, "returnValues"), limits),
      log: asText(readField(run.agentFinish, "log"), limits),
    };
  }
  return payload;
}

function payloadOf(run: OpenRun, end: RunEnd, limits: SanitizeLimits): RunPayload {
  const start = run.start;
  switch (start.kind) {
    case "model":
      return modelPayload({ ...run, start }, end, limits);
    case "chain":
      return chainPayload({ ...run, start }, end, limits);
    case "tool": {
      const payload: { -readonly [K in keyof ToolPayload]: ToolPayload[K] } = {
        kind: "tool",
        toolName: start.toolName,
        input: toolInput(start.input, limits),
      };
      if (end.status === "success") payload.output = toolOutput(end.output, limits);
      if (start.toolCallId !== undefined) payload.toolCallId = start.toolCallId;
      return payload;
    }
    case "retriever": {
      const payload: { -readonly [K in keyof RetrieverPayload]: RetrieverPayload[K] } = {
        kind: "retriever",
        query: asText(start.query, limits),
      };
      if (end.status === "success") payload.documents = documents(end.output, limits);
      return payload;
    }
  }
}

/** The payload of the right kind when reading the real one failed (a hostile object slipped through). */
function fallbackPayload(run: OpenRun): RunPayload {
  const unreadable = "[Unserializable]";
  switch (run.start.kind) {
    case "model":
      return { kind: "model", invocationParams: {}, inputMessages: [], outputMessages: [], streamed: run.chunkCount > 0 };
    case "chain":
      return { kind: "chain", inputs: unreadable };
    case "tool":
      return { kind: "tool", toolName: run.start.toolName, input: unreadable };
    case "retriever":
      return { kind: "retriever", query: unreadable };
  }
}

function tagsOf(tags: unknown): string[] {
  if (!Array.isArray(tags)) return [];
  return (tags as unknown[]).filter((tag): tag is string => typeof tag === "string").slice(0, 256).map((tag) => tag.slice(0, 256));
}

/** The record of `run`, ended as `end`. The result is deep-frozen. */
export function buildRecord(run: OpenRun, end: RunEnd, limits: SanitizeLimits): RunRecord {
  const durationMs = Math.max(0, end.endMono - run.startMono);
  let payload: RunPayload;
  try {
    payload = payloadOf(run, end, limits);
  } catch {
    payload = fallbackPayload(run);
  }
  const record: { -readonly [K in keyof RunRecord]: RunRecord[K] } = {
    runId: run.runId,
    traceId: run.traceId,
    rootRunId: run.rootRunId,
    runType: run.runType,
    name: run.name,
    startTime: run.startTime,
    endTime: run.startTime + durationMs,
    durationMs,
    status: end.status,
    tags: tagsOf(run.tags),
    metadata: sanitizeObject(run.metadata, limits),
    payload,
    depth: run.depth,
  };
  if (run.parentRunId !== undefined) record.parentRunId = run.parentRunId;
  if (run.externalParentRunId !== undefined) record.externalParentRunId = run.externalParentRunId;
  if (end.status === "error") record.error = toRunError(end.error, limits.maxStringLength);
  if (run.events) {
    const events = run.events.map((event): RecordEvent => ({ name: event.name, data: sanitize(event.data, limits), time: event.time }));
    if (run.eventsDropped > 0) {
      events.push({ name: "…", data: `[${run.eventsDropped} more events not recorded]`, time: events.at(-1)?.time ?? run.startTime });
    }
    record.events = events;
  }
  return deepFreeze(record);
}
