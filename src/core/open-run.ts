/**
 * What the tracker keeps for a run between its start and its end: ids, clocks and the raw references
 * LangChain passed (sanitized only once, when the record is built). Dropped as soon as the run ends.
 */
import type { RunType } from "./run-record.ts";
import type { StartModelInfo } from "./model-info.ts";

/** The raw start data of a run, per kind. */
export type RunStart =
  | {
      readonly kind: "model";
      /** Chat input messages (first prompt list), when started by `handleChatModelStart`. */
      readonly messages?: unknown;
      /** Text prompts, when started by `handleLLMStart`. */
      readonly prompts?: unknown;
      readonly invocationParams: unknown;
      readonly info: StartModelInfo;
    }
  | { readonly kind: "chain"; readonly inputs: unknown }
  | { readonly kind: "tool"; readonly toolName: string; readonly input: unknown; readonly toolCallId?: string }
  | { readonly kind: "retriever"; readonly query: unknown };

/** A custom event or agent step captured during a run (sanitized at record time). */
export interface RawTimed {
  readonly time: number;
  readonly name: string;
  readonly data: unknown;
}

/** Most custom events kept for one run (a run may dispatch one per streamed chunk). */
export const MAX_EVENTS_PER_RUN = 1000;

export interface OpenRun {
  readonly runId: string;
  readonly parentRunId: string | undefined;
  readonly externalParentRunId: string | undefined;
  readonly traceId: string;
  readonly rootRunId: string;
  readonly depth: number;
  readonly runType: RunType;
  readonly name: string;
  /** Epoch ms of monotonic 0, anchored to the wall clock when the trace's root started. */
  readonly epochOffset: number;
  /** Epoch ms. */
  readonly startTime: number;
  /** Monotonic ms (`performance.now()` scale). */
  readonly startMono: number;
  readonly tags: unknown;
  readonly metadata: unknown;
  readonly start: RunStart;
  chunkCount: number;
  firstTokenMono: number | undefined;
  /** At most {@link MAX_EVENTS_PER_RUN}; later ones are only counted in `eventsDropped`. */
  events: RawTimed[] | undefined;
  eventsDropped: number;
  agentActions: RawTimed[] | undefined;
  agentFinish: unknown;
}

/** How a run ended. */
export interface RunEnd {
  readonly status: "success" | "error";
  /** Monotonic ms. */
  readonly endMono: number;
  /** LLMResult, chain outputs, tool output or documents. */
  readonly output?: unknown;
  readonly error?: unknown;
  /** Chain inputs reported only at the end (streamed runnables), replacing the start inputs. */
  readonly inputs?: unknown;
}
