import { ValidationError } from "../errors.ts";

/** Which version of a registry template a run used: a version number or a release label, not both. */
export interface PromptLayerPromptOptions {
  /** The template's version number (an integer ≥ 1). */
  version?: number;
  /** A release label (`"prod"`); linked by name, the label kept in the request's metadata. */
  label?: string;
  /** The values the template was filled with; logged as `prompt_input_variables`. */
  inputVariables?: Record<string, unknown>;
}

/**
 * The LangChain metadata that links runs to a PromptLayer registry template. A type alias, not an
 * interface, so it is assignable to `config.metadata` (`Record<string, unknown>`).
 */
export type PromptLayerPromptMetadata = {
  promptlayer_prompt_name: string;
  promptlayer_prompt_version?: number;
  promptlayer_prompt_label?: string;
  promptlayer_prompt_input_variables?: Record<string, unknown>;
};

/** Metadata keys read by the handler (also in `prompt-link.ts`). */
export const PROMPT_METADATA_KEYS = {
  name: "promptlayer_prompt_name",
  version: "promptlayer_prompt_version",
  label: "promptlayer_prompt_label",
  inputVariables: "promptlayer_prompt_input_variables",
} as const;

/** Tag prefixes of the equivalent tag form (`pl_prompt:example`, `pl_prompt_version:1`, `pl_prompt_label:prod`). */
export const PROMPT_TAG_PREFIXES = {
  name: "pl_prompt:",
  version: "pl_prompt_version:",
  label: "pl_prompt_label:",
} as const;

/**
 * Metadata linking a run to a PromptLayer registry template, for `config.metadata`. Every model call
 * under the run is logged with `prompt_name`, `prompt_version_number` and `prompt_input_variables`,
 * so PromptLayer links the request to the template without a second request.
 *
 * LangChain passes `config.metadata` down to every child run, so it may go on the whole chain. When
 * only a prompt template carries it (`prompt.withConfig({ metadata })`), the next model call under the
 * same parent is linked, with the template's inputs as the input variables: that is `prompt.pipe(model)`.
 *
 * Tag form, for code that can only set tags: `tags: ["pl_prompt:example", "pl_prompt_version:1"]`
 * (or `"pl_prompt_label:prod"`); the input variables are then the prompt template run's inputs.
 *
 * A label cannot be turned into a version number without asking PromptLayer: a run tracked by label
 * is linked by `prompt_name` with the label in the request's metadata (`prompt_label`).
 * `getPromptTemplate(name, { label })` resolves the label when it fetches the template.
 *
 * @throws {ValidationError} for an empty name, a version that is not a positive integer, an empty
 *   label, both a version and a label, or input variables that are not a plain object.
 * @example
 * await chain.invoke(vars, {
 *   callbacks: [pl],
 *   metadata: promptLayerPrompt("example", { version: 1, inputVariables: vars }),
 * });
 */
export function promptLayerPrompt(name: string, options: PromptLayerPromptOptions = {}): PromptLayerPromptMetadata {
  if (typeof name !== "string" || name.trim() === "") {
    throw new ValidationError("name", `expected a non-empty template name, got ${JSON.stringify(name)}`);
  }
  const { version, label, inputVariables } = options;
  if (version !== undefined && !(Number.isInteger(version) && version >= 1)) {
    throw new ValidationError("version", `expected an integer ≥ 1, got ${String(version)}`);
  }
  if (label !== undefined && (typeof label !== "string" || label.trim() === "")) {
    throw new ValidationError("label", `expected a non-empty string, got ${JSON.stringify(label)}`);
  }
  if (version !== undefined && label !== undefined) {
    throw new ValidationError("version", "give a version or a label, not both");
  }
  if (inputVariables !== undefined && !isPlainObject(inputVariables)) {
    throw new ValidationError("inputVariables", "expected a plain object of template variables");
  }
  const metadata: PromptLayerPromptMetadata = { promptlayer_prompt_name: name };
  if (version !== undefined) metadata.promptlayer_prompt_version = version;
  if (label !== undefined) metadata.promptlayer_prompt_label = label;
  if (inputVariables !== undefined) metadata.promptlayer_prompt_input_variables = inputVariables;
  return metadata;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
