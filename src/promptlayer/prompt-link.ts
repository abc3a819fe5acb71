import type { JsonObject, JsonValue, RunRecord } from "../core/run-record.ts";
import { PROMPT_METADATA_KEYS, PROMPT_TAG_PREFIXES } from "./prompt-layer-prompt.ts";

/** The registry template a logged request is linked to. */
export interface PromptLink {
  readonly name: string;
  readonly version?: number;
  readonly label?: string;
  readonly inputVariables?: JsonObject;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The template link a run carries itself: `promptLayerPrompt(...)` metadata (inherited from the
 * config it ran with), else the tag form (`pl_prompt:NAME`, `pl_prompt_version:N`, `pl_prompt_label:L`).
 */
export function readPromptLink(record: Pick<RunRecord, "metadata" | "tags">): PromptLink | undefined {
  const { metadata } = record;
  const name = metadata[PROMPT_METADATA_KEYS.name];
  if (typeof name === "string" && name !== "") {
    const version = metadata[PROMPT_METADATA_KEYS.version];
    const label = metadata[PROMPT_METADATA_KEYS.label];
    const inputVariables = metadata[PROMPT_METADATA_KEYS.inputVariables];
    return {
      name,
      ...(typeof version === "number" && Number.isInteger(version) ? { version } : {}),
      ...(typeof label === "string" && label !== "" ? { label } : {}),
      ...(isObject(inputVariables) ? { inputVariables } : {}),
    };
  }
  let tagName: string | undefined;
  let version: number | undefined;
  let label: string | undefined;
  for (const tag of record.tags) {
    if (tag.startsWith(PROMPT_TAG_PREFIXES.version)) {
      const n = Number(tag.slice(PROMPT_TAG_PREFIXES.version.length));
      if (Number.isInteger(n) && n >= 1) version = n;
    } else if (tag.startsWith(PROMPT_TAG_PREFIXES.label)) {
      label = tag.slice(PROMPT_TAG_PREFIXES.label.length) || undefined;
    } else if (tag.startsWith(PROMPT_TAG_PREFIXES.name)) {
      tagName = tag.slice(PROMPT_TAG_PREFIXES.name.length) || undefined;
    }
  }
  if (tagName === undefined) return undefined;
  return { name: tagName, ...(version !== undefined ? { version } : label !== undefined ? { label } : {}) };
}
