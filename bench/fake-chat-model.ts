/**
 * A zero-latency, in-process chat model for the benchmarks. It answers like a provider would (an
 * `AIMessage` with `usage_metadata`, a response id and a model name) so every tracer has the same
 * realistic work to do, and it drives the seed agent by reading the conversation: no tool result yet →
 * `exponentiate(3, 5)`; 243 → `multiply(243, 36)`; 8748 → `exponentiate(8748, 2)`; 76527504 → answer.
 * Stateless, so one instance serves any number of calls.
 */
import type { BaseMessage } from "@langchain/core/messages";
import { AIMessage } from "@langchain/core/messages";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseChatModelCallOptions, BindToolsInput } from "@langchain/core/language_models/chat_models";
import type { ChatResult } from "@langchain/core/outputs";

export const SEED_QUESTION = "Take 3 to the fifth power and multiply that by thirty six, then square the result";
export const SEED_ANSWER = 76_527_504;
export const FAKE_MODEL_NAME = "gpt-4o-mini";

const SEED_STEPS = [
  { result: undefined, tool: "exponentiate", args: { base: 3, exponent: 5 } },
  { result: 243, tool: "multiply", args: { first_int: 243, second_int: 36 } },
  { result: 8748, tool: "exponentiate", args: { base: 8748, exponent: 2 } },
] as const;

const USAGE = [
  { input_tokens: 142, output_tokens: 19 },
  { input_tokens: 187, output_tokens: 23 },
  { input_tokens: 236, output_tokens: 24 },
  { input_tokens: 285, output_tokens: 31 },
] as const;

/** The plain answer to a plain question: a short, realistic completion. */
const PLAIN_ANSWER =
  "Paris is the capital of France. It has been the country's capital since the 10th century, apart from brief periods during wartime.";

let responseCounter = 0;

/** The last numeric tool result in the conversation, or undefined before any tool ran. */
function lastToolResult(messages: readonly BaseMessage[]): number | undefined {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i]!;
    if (message.getType() !== "tool") continue;
    const text = typeof message.content === "string" ? message.content : JSON.stringify(message.content);
    const value = Number(text.replace(/[^0-9.-]/g, ""));
    return Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}

function usage(step: number) {
  const u = USAGE[Math.min(step, USAGE.length - 1)]!;
  return { input_tokens: u.input_tokens, output_tokens: u.output_tokens, total_tokens: u.input_tokens + u.output_tokens };
}

export interface FakeChatModelCallOptions extends BaseChatModelCallOptions {
  tools?: BindToolsInput[];
}

/** See the file comment. Tool calling is switched on by `bindTools` (as `createAgent` does). */
export class FakeChatModel extends BaseChatModel<FakeChatModelCallOptions> {
  static override lc_name(): string {
    return "FakeChatModel";
  }

  _llmType(): string {
    return "fake-bench";
  }

  override invocationParams(options?: this["ParsedCallOptions"]): Record<string, unknown> {
    return { model: FAKE_MODEL_NAME, temperature: 0, ...(options?.tools ? { tools: options.tools } : {}) };
  }

  override bindTools(tools: BindToolsInput[]) {
    return this.withConfig({ tools });
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    responseCounter += 1;
    const id = `chatcmpl-bench${responseCounter.toString(36)}`;
    const responseMetadata = { model_name: FAKE_MODEL_NAME, finish_reason: "stop" };
    let message: AIMessage;
    if (options.tools === undefined) {
      message = new AIMessage({ content: PLAIN_ANSWER, id, usage_metadata: usage(0), response_metadata: responseMetadata });
    } else {
      const last = lastToolResult(messages);
      const stepIndex = SEED_STEPS.findIndex((s) => s.result === last);
      const step = stepIndex >= 0 ? SEED_STEPS[stepIndex] : undefined;
      if (step === undefined) {
        const text = `3^5 = 243, 243 × 36 = 8748, and 8748 squared is ${SEED_ANSWER}.`;
        message = new AIMessage({ content: text, id, usage_metadata: usage(3), response_metadata: responseMetadata });
      } else {
        message = new AIMessage({
          content: "",
          id,
          tool_calls: [{ id: `call_${id}`, name: step.tool, args: { ...step.args }, type: "tool_call" }],
          usage_metadata: usage(stepIndex),
          response_metadata: { ...responseMetadata, finish_reason: "tool_calls" },
        });
      }
    }
    const text = typeof message.content === "string" ? message.content : "";
    return { generations: [{ text, message }], llmOutput: {} };
  }
}
