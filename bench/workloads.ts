/**
 * The three things a user times: one chat-model call, a three-step chain (prompt → model → parser)
 * and the seed agent (`createAgent` with `multiply` / `exponentiate`, four model calls and three tool
 * calls per run). Callbacks go in the invoke-time config, as users pass them, so every child run
 * inherits them.
 */
import type { Callbacks } from "@langchain/core/callbacks/manager";
import { HumanMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { createAgent, tool } from "langchain";
import { z } from "zod";
import { FakeChatModel, SEED_ANSWER, SEED_QUESTION } from "./fake-chat-model.ts";

export type WorkloadName = "invoke" | "chain" | "agent";
export const WORKLOADS: readonly WorkloadName[] = ["invoke", "chain", "agent"];

/** One unit of work; resolves to a string the harness checks once (so a broken workload cannot pass). */
export type Workload = (callbacks: Callbacks | undefined) => Promise<string>;

const multiply = tool(({ first_int, second_int }) => first_int * second_int, {
  name: "multiply",
  description: "Multiply two integers together.",
  schema: z.object({ first_int: z.number().int(), second_int: z.number().int() }),
});

const exponentiate = tool(({ base, exponent }) => base ** exponent, {
  name: "exponentiate",
  description: "Exponentiate the base to the exponent power.",
  schema: z.object({ base: z.number().int(), exponent: z.number().int() }),
});

/** What a correct result must contain, per workload. */
export const EXPECTED: Record<WorkloadName, string> = {
  invoke: "Paris",
  chain: "Paris",
  agent: String(SEED_ANSWER),
};

function textOf(content: unknown): string {
  return typeof content === "string" ? content : JSON.stringify(content);
}

export function createWorkload(name: WorkloadName): Workload {
  const model = new FakeChatModel({});
  switch (name) {
    case "invoke": {
      const messages = [new HumanMessage("What is the capital of France?")];
      return async (callbacks) => textOf((await model.invoke(messages, { callbacks })).content);
    }
    case "chain": {
      const prompt = ChatPromptTemplate.fromMessages([
        ["system", "You are a concise geography assistant."],
        ["human", "What is the capital of {country}?"],
      ]);
      const chain = prompt.pipe(model).pipe(new StringOutputParser());
      return (callbacks) => chain.invoke({ country: "France" }, { callbacks });
    }
    case "agent": {
      const agent = createAgent({ model, tools: [multiply, exponentiate] });
      const input = { messages: [{ role: "user" as const, content: SEED_QUESTION }] };
      return async (callbacks) => {
        const result = await agent.invoke(input, { callbacks });
        return textOf(result.messages.at(-1)?.content);
      };
    }
  }
}
