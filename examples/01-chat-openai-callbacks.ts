/**
 * Example 1 — handlers on the model: `new ChatOpenAI({ callbacks: [...] })`, as PromptLayer's
 * "simple OpenAI example" does, with `.invoke()` and `.stream()`.
 *
 * Handlers given to a model's constructor see that model's runs only, and each call is a trace of
 * its own. The Portkey handler here has a fixed `traceId`, which keeps both calls in one trace.
 *
 * Run it: `npm run build && npx node examples/01-chat-openai-callbacks.ts` (offline without API keys).
 */
import { randomUUID } from "node:crypto";
import { HumanMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { PortkeyCallbackHandler, PromptLayerCallbackHandler } from "langchain-llmops";
import { runExample } from "./local-backends.ts";
import type { Backends } from "./local-backends.ts";

export interface ChatExampleResult {
  readonly answer: string;
  readonly streamedAnswer: string;
  readonly streamedChunks: number;
  /** The Portkey handler's fixed trace id. */
  readonly traceId: string;
  /** What `pl_id_callback` received. */
  readonly requestIds: readonly number[];
}

export async function main(backends: Backends, print: (line: string) => void = console.log): Promise<ChatExampleResult> {
  const requestIds: number[] = [];
  const promptlayer = new PromptLayerCallbackHandler({
    apiKey: backends.promptlayer.apiKey, // undefined: PROMPTLAYER_API_KEY
    baseURL: backends.promptlayer.baseURL,
    pl_tags: ["chatopenai"],
    pl_id_callback: (requestId) => {
      print(`PromptLayer request id: ${requestId}`);
      requestIds.push(requestId);
    },
  });
  const traceId = `chat-example-${randomUUID()}`;
  const portkey = new PortkeyCallbackHandler({
    apiKey: backends.portkey.apiKey, // undefined: PORTKEY_API_KEY
    baseURL: backends.portkey.baseURL,
    traceId,
  });

  const chat = new ChatOpenAI({
    model: "gpt-4o-mini",
    temperature: 0,
    apiKey: backends.openai.apiKey, // undefined: OPENAI_API_KEY
    configuration: { baseURL: backends.openai.baseURL },
    callbacks: [promptlayer, portkey],
  });

  try {
    const reply = await chat.invoke([new HumanMessage("What comes after 1,2,3 ?"), new HumanMessage("Tell me another joke?")]);
    print(`invoke: ${reply.text}`);

    let streamedAnswer = "";
    let streamedChunks = 0;
    for await (const chunk of await chat.stream("What is the meaning of life, universe and everything?")) {
      streamedAnswer += chunk.text;
      streamedChunks += 1;
    }
    print(`stream: ${streamedAnswer} (${streamedChunks} chunks)`);

    // Both handlers batch in the background; flush before reading what arrived (or before exiting).
    await Promise.all([promptlayer.flush(), portkey.flush()]);
    return { answer: reply.text, streamedAnswer, streamedChunks, traceId, requestIds };
  } finally {
    await Promise.all([promptlayer.shutdown(), portkey.shutdown()]);
  }
}

if (import.meta.main) await runExample(main);
