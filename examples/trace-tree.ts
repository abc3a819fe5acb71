/**
 * Draws a trace as a tree — span name, type, duration, tokens, status — from what a backend
 * received (Portkey logs, PromptLayer spans) or from the records a handler sent.
 */
import type { RunRecord } from "langchain-llmops";

/** One span, whatever backend it came from. */
export interface TraceNode {
  readonly id: string;
  readonly parentId?: string | undefined;
  readonly name: string;
  /** `chain`, `chat_model`, `llm`, `tool`, `retriever`. */
  readonly type: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
  /** `ok`, or `error` with the status or message. */
  readonly status: string;
}

/** The fields of a Portkey log the tree needs. */
export interface PortkeyLogLike {
  readonly span_id: string;
  readonly parent_span_id?: string;
  readonly span_name: string;
  readonly start_time: number;
  readonly request: { readonly url: string };
  readonly response: { readonly status: number; readonly response_time: number; readonly body: unknown };
}

function numberAt(value: unknown, key: string): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const field: unknown = (value as Record<string, unknown>)[key];
  return typeof field === "number" ? field : undefined;
}

/** A Portkey log's run type: spans are `langchain://<type>/<name>`, model calls carry the API's URL. */
function portkeyType(url: string): string {
  const span = /^langchain:\/\/([^/]+)\//.exec(url);
  if (span?.[1] !== undefined) return span[1];
  return url.endsWith("/chat/completions") ? "chat_model" : "llm";
}

export function fromPortkeyLogs(logs: readonly PortkeyLogLike[]): TraceNode[] {
  return logs.map((log) => {
    const usage = (log.response.body as { usage?: unknown } | undefined)?.usage;
    return {
      id: log.span_id,
      parentId: log.parent_span_id,
      name: log.span_name,
      type: portkeyType(log.request.url),
      startMs: log.start_time * 1000,
      durationMs: log.response.response_time,
      inputTokens: numberAt(usage, "prompt_tokens"),
      outputTokens: numberAt(usage, "completion_tokens"),
      status: log.response.status === 200 ? "ok" : `error ${log.response.status}`,
    };
  });
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** One of a PromptLayer span's `attributes` (`langchain.run_id`, `langchain.trace_id`, …). */
export function spanAttribute(span: unknown, key: string): unknown {
  return field(field(span, "attributes"), key);
}

/** Spans as PromptLayer's `/spans-bulk` received them (parsed JSON, so every field is read defensively). */
export function fromPromptLayerSpans(spans: readonly unknown[]): TraceNode[] {
  return spans.map((span) => {
    const type = spanAttribute(span, "langchain.run_type");
    const logRequest = field(span, "log_request");
    const parentId = field(span, "parent_id");
    const start = numberAt(span, "start_time") ?? 0;
    const status = field(span, "status");
    const description = field(status, "description");
    return {
      id: String(field(field(span, "context"), "span_id")),
      parentId: typeof parentId === "string" ? parentId : undefined,
      name: String(field(span, "name")),
      type: typeof type === "string" ? type : logRequest === undefined ? "chain" : "llm",
      startMs: start / 1e6,
      durationMs: ((numberAt(span, "end_time") ?? start) - start) / 1e6,
      inputTokens: numberAt(logRequest, "input_tokens"),
      outputTokens: numberAt(logRequest, "output_tokens"),
      status: field(status, "status_code") === "StatusCode.ERROR" ? `error: ${typeof description === "string" ? description : ""}` : "ok",
    };
  });
}

export function fromRecords(records: readonly RunRecord[]): TraceNode[] {
  return records.map((record) => {
    const usage = record.payload.kind === "model" ? record.payload.usage : undefined;
    return {
      id: record.runId,
      parentId: record.parentRunId,
      name: record.name,
      type: record.runType,
      startMs: record.startTime,
      durationMs: record.durationMs,
      inputTokens: usage?.promptTokens,
      outputTokens: usage?.completionTokens,
      status: record.status === "success" ? "ok" : `error: ${record.error?.message ?? ""}`,
    };
  });
}

function describeNode(node: TraceNode): string {
  const parts = [node.name, `[${node.type}]`, `${Number.isInteger(node.durationMs) || node.durationMs >= 10 ? node.durationMs.toFixed(0) : node.durationMs.toFixed(1)} ms`];
  if (node.inputTokens !== undefined || node.outputTokens !== undefined) {
    parts.push(`${node.inputTokens ?? "?"} in / ${node.outputTokens ?? "?"} out tokens`);
  }
  parts.push(node.status);
  return parts.join("  ");
}

/**
 * The trace as indented lines, children in start order. A node whose parent is not among `nodes`
 * is drawn as a root, so a broken link shows up as a second root.
 */
export function drawTree(nodes: readonly TraceNode[]): string[] {
  const ids = new Set(nodes.map((node) => node.id));
  const children = new Map<string | undefined, TraceNode[]>();
  for (const node of nodes) {
    const parent = node.parentId !== undefined && ids.has(node.parentId) ? node.parentId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), node]);
  }
  for (const list of children.values()) list.sort((a, b) => a.startMs - b.startMs);
  const lines: string[] = [];
  const visit = (node: TraceNode, prefix: string, branch: string, last: boolean): void => {
    lines.push(`${prefix}${branch}${describeNode(node)}`);
    const below = children.get(node.id) ?? [];
    const childPrefix = branch === "" ? prefix : `${prefix}${last ? "   " : "│  "}`;
    below.forEach((child, index) => visit(child, childPrefix, index === below.length - 1 ? "└─ " : "├─ ", index === below.length - 1));
  };
  for (const root of children.get(undefined) ?? []) visit(root, "", "", true);
  return lines;
}
