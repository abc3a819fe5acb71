/**
 * Token usage of a model call, from the places LangChain puts it, in order of trust:
 * `generations[0][0].message.usage_metadata` (the provider's count, also on streamed runs via the
 * final usage chunk), then `llmOutput.tokenUsage`, then `llmOutput.estimatedTokenUsage` (marked
 * `estimated: true`).
 */
import type { TokenUsage } from "./run-record.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function countMap(value: unknown): Record<string, number> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, number> = {};
  let any = false;
  for (const [key, entry] of Object.entries(value).slice(0, 32)) {
    const n = count(entry);
    if (n !== undefined) {
      out[key] = n;
      any = true;
    }
  }
  return any ? out : undefined;
}

type MutableUsage = { -readonly [K in keyof TokenUsage]: TokenUsage[K] };

function fromUsageMetadata(meta: Record<string, unknown>): TokenUsage | undefined {
  const promptTokens = count(meta.input_tokens);
  const completionTokens = count(meta.output_tokens);
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  const usage: MutableUsage = { estimated: false };
  if (promptTokens !== undefined) usage.promptTokens = promptTokens;
  if (completionTokens !== undefined) usage.completionTokens = completionTokens;
  const total = count(meta.total_tokens) ?? (promptTokens ?? 0) + (completionTokens ?? 0);
  usage.totalTokens = total;
  const input = countMap(meta.input_token_details);
  const output = countMap(meta.output_token_details);
  if (input) {
    usage.inputTokenDetails = input;
    if (input.cache_read !== undefined) usage.cachedPromptTokens = input.cache_read;
  }
  if (output) {
    usage.outputTokenDetails = output;
    if (output.reasoning !== undefined) usage.reasoningTokens = output.reasoning;
  }
  return usage;
}

function fromTokenUsage(value: unknown, estimated: boolean): TokenUsage | undefined {
  if (!isRecord(value)) return undefined;
  const promptTokens = count(value.promptTokens);
  const completionTokens = count(value.completionTokens);
  const totalTokens = count(value.totalTokens);
  if (promptTokens === undefined && completionTokens === undefined && totalTokens === undefined) return undefined;
  const usage: MutableUsage = { estimated };
  if (promptTokens !== undefined) usage.promptTokens = promptTokens;
  if (completionTokens !== undefined) usage.completionTokens = completionTokens;
  usage.totalTokens = totalTokens ?? (promptTokens ?? 0) + (completionTokens ?? 0);
  return usage;
}

/** Usage from an `LLMResult`; undefined when nothing reports it. Never throws. */
export function extractUsage(output: unknown): TokenUsage | undefined {
  try {
    if (!isRecord(output)) return undefined;
    const generations = output.generations;
    if (Array.isArray(generations)) {
      for (const batch of generations as unknown[]) {
        if (!Array.isArray(batch)) continue;
        for (const generation of batch as unknown[]) {
          const message = isRecord(generation) ? generation.message : undefined;
          const meta = isRecord(message) ? message.usage_metadata : undefined;
          const usage = isRecord(meta) ? fromUsageMetadata(meta) : undefined;
          if (usage) return usage;
        }
      }
    }
    const llmOutput = isRecord(output.llmOutput) ? output.llmOutput : undefined;
    if (!llmOutput) return undefined;
    return fromTokenUsage(llmOutput.tokenUsage, false) ?? fromTokenUsage(llmOutput.estimatedTokenUsage, true);
  } catch {
    return undefined;
  }
}
