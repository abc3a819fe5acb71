/**
 * Model name, provider and connection facts of a model run. Model name order (see the facts page):
 * `invocation_params.model`, then `metadata.ls_model_name`, then the response's
 * `response_metadata.model_name`, then `generationInfo.model_name`. Provider: `metadata.ls_provider`,
 * then the response's `model_provider`, then the package in the serialized id
 * (`["langchain", "chat_models", "openai", "ChatOpenAI"]` → `openai`).
 */
import { connectionInfo } from "./redact.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value.slice(0, 256) : undefined;
}

/** What is known about a model when its run starts. */
export interface StartModelInfo {
  model?: string;
  provider?: string;
  serializedId?: string[];
  baseURL?: string;
  headerNames?: string[];
}

/** Reads the serialized model (`llm`), its invocation params and the run metadata. Never throws. */
export function startModelInfo(serialized: unknown, invocationParams: unknown, metadata: unknown): StartModelInfo {
  const info: StartModelInfo = {};
  try {
    const params = isRecord(invocationParams) ? invocationParams : {};
    const meta = isRecord(metadata) ? metadata : {};
    const model = text(params.model) ?? text(params.model_name) ?? text(params.modelName) ?? text(meta.ls_model_name);
    if (model !== undefined) info.model = model;
    if (isRecord(serialized)) {
      const id = serialized.id;
      if (Array.isArray(id) && id.every((part) => typeof part === "string")) {
        info.serializedId = id.slice(0, 16).map((part) => part.slice(0, 128));
      }
      const provider = text(meta.ls_provider) ?? providerFromId(info.serializedId);
      if (provider !== undefined) info.provider = provider;
      const connection = connectionInfo(serialized.kwargs);
      if (connection.baseURL !== undefined) info.baseURL = connection.baseURL;
      if (connection.headerNames !== undefined) info.headerNames = connection.headerNames;
    } else {
      const provider = text(meta.ls_provider);
      if (provider !== undefined) info.provider = provider;
    }
  } catch {
    // Keep what was read.
  }
  return info;
}

function providerFromId(id: readonly string[] | undefined): string | undefined {
  if (!id || id.length < 4) return undefined;
  const kind = id[1];
  return kind === "chat_models" || kind === "llms" ? id[2] : undefined;
}

/** What the response adds. */
export interface ResponseModelInfo {
  model?: string;
  provider?: string;
  finishReason?: string;
  responseId?: string;
}

/** Reads the first generation of an `LLMResult`. Never throws. */
export function responseModelInfo(output: unknown): ResponseModelInfo {
  const info: ResponseModelInfo = {};
  try {
    if (!isRecord(output) || !Array.isArray(output.generations)) return info;
    const batch: unknown = output.generations[0];
    const generation: unknown = Array.isArray(batch) ? batch[0] : undefined;
    if (!isRecord(generation)) return info;
    const generationInfo = isRecord(generation.generationInfo) ? generation.generationInfo : {};
    const message = isRecord(generation.message) ? generation.message : {};
    const responseMetadata = isRecord(message.response_metadata) ? message.response_metadata : {};
    const model = text(responseMetadata.model_name) ?? text(responseMetadata.model) ?? text(generationInfo.model_name);
    if (model !== undefined) info.model = model;
    const provider = text(responseMetadata.model_provider);
    if (provider !== undefined) info.provider = provider;
    const finishReason =
      text(generationInfo.finish_reason) ?? text(responseMetadata.finish_reason) ?? text(responseMetadata.stop_reason);
    if (finishReason !== undefined) info.finishReason = finishReason;
    const responseId = text(responseMetadata.id) ?? text(message.id);
    if (responseId !== undefined) info.responseId = responseId;
  } catch {
    // Keep what was read.
  }
  return info;
}
