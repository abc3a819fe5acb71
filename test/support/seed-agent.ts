/**
 * The seed scenario: a LangChain v1 `createAgent` with tools `multiply` and `exponentiate`, answering
 * "Take 3 to the fifth power and multiply that by thirty six, then square the result" (76,527,504)
 * against the scripted OpenAI server. The responder is stateless — it decides from the conversation
 * in each request — so any number of concurrent agents can share one server.
 *
 * @example
 * const server = await startOpenAIServer({ respond: seedResponder });
 * const agent = createSeedAgent({ baseURL: server.baseURL });
 * const result = await agent.invoke(seedInput(), { callbacks: [handler] });
 */
import { randomUUID } from "node:crypto";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { ChatOpenAI } from "@langchain/openai";
import { createAgent } from "langchain";
import { exponentiate, multiply, SEED_QUESTION } from "../../examples/seed-tools.ts";
import type { RequestBody, Responder, ScriptedResponse } from "./openai-server.ts";

// The tools and the question are the ones the examples show users; the tests run exactly those.
export { SEED_QUESTION, exponentiate, multiply } from "../../examples/seed-tools.ts";
export const SEED_ANSWER = 76_527_504;
export const SEED_MODEL = "gpt-4o-mini";
export const SEED_FINAL_TEXT = `3^5 = 243, 243 × 36 = 8748, and 8748 squared is ${SEED_ANSWER}.`;

/** The tool calls the seed responder makes, in order, with the result each tool returns. */
export const SEED_STEPS = [
  { tool: "exponentiate", args: { base: 3, exponent: 5 }, result: 243 },
  { tool: "multiply", args: { first_int: 243, second_int: 36 }, result: 8748 },
  { tool: "exponentiate", args: { base: 8748, exponent: 2 }, result: SEED_ANSWER },
] as const;

/** Usage per model call (3 tool-calling steps, then the final answer); every step differs. */
export const SEED_USAGE = [
  { prompt_tokens: 142, completion_tokens: 19 },
  { prompt_tokens: 187, completion_tokens: 23 },
  { prompt_tokens: 236, completion_tokens: 24, prompt_tokens_details: { cached_tokens: 128 } },
  { prompt_tokens: 285, completion_tokens: 31, completion_tokens_details: { reasoning_tokens: 0 } },
] as const;

/** Number of model calls / tool calls in one seed run. */
export const SEED_MODEL_CALLS = 4;
export const SEED_TOOL_CALLS = 3;

/** Numbers returned by tools so far, read from the `tool` messages of the request. */
function toolResults(body: RequestBody): number[] {
  const results: number[] = [];
  for (const message of body.messages ?? []) {
    if (message.role !== "tool") continue;
    const content = message.content;
    const text = typeof content === "string" ? content : JSON.stringify(content);
    const value = Number(text.replace(/[^0-9.-]/g, ""));
    if (Number.isFinite(value)) results.push(value);
  }
  return results;
}

/** Stateless responder: the next step follows from the last tool result in the conversation. */
export const seedResponder: Responder = (body): ScriptedResponse => {
  const results = toolResults(body);
  const last = results.at(-1);
  const step = last === undefined ? 0 : SEED_STEPS.findIndex((s) => s.result === last) + 1;
  if (step < 0 || (last !== undefined && step === 0)) {
    return { content: `unexpected tool result ${String(last)}`, usage: { prompt_tokens: 1, completion_tokens: 1 } };
  }
  const usage = SEED_USAGE[step] ?? SEED_USAGE[3];
  const next = SEED_STEPS[step];
  if (next === undefined) return { content: SEED_FINAL_TEXT, usage };
  return { toolCalls: [{ id: `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`, name: next.tool, arguments: next.args }], usage };
};

export interface SeedModelOptions {
  baseURL: string;
  /** Handlers given to the model's constructor (local to the model's own runs). */
  callbacks?: BaseCallbackHandler[];
  /** Extra `configuration` fields (e.g. `defaultHeaders`). */
  configuration?: Record<string, unknown>;
  /** @default "sk-test" */
  apiKey?: string;
  /** @default SEED_MODEL */
  model?: string;
}

/** A real `ChatOpenAI` pointed at the scripted server, with retries off. */
export function createTestChatModel(options: SeedModelOptions): ChatOpenAI {
  return new ChatOpenAI({
    model: options.model ?? SEED_MODEL,
    apiKey: options.apiKey ?? "sk-test",
    temperature: 0,
    maxRetries: 0,
    configuration: { ...options.configuration, baseURL: options.baseURL },
    ...(options.callbacks ? { callbacks: options.callbacks } : {}),
  });
}

/** The seed agent: `createAgent` with `multiply` and `exponentiate` on a `ChatOpenAI` at `baseURL`. */
export function createSeedAgent(options: SeedModelOptions) {
  return createAgent({ model: createTestChatModel(options), tools: [multiply, exponentiate] });
}

/** The agent input for the seed question. */
export function seedInput() {
  return { messages: [{ role: "user" as const, content: SEED_QUESTION }] };
}
