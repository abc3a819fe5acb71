import type { RunRecord } from "../core/run-record.ts";
import type { PromptLink } from "./prompt-link.ts";

/**
 * What the PromptLayer handler queues for one finished run: the record and the registry template it
 * was linked to (decided in run order, on the hot path). The span JSON is built at send time, off the
 * caller's path, by `toPromptLayerSpan`.
 */
export interface PromptLayerItem {
  readonly record: RunRecord;
  readonly prompt?: PromptLink;
}
