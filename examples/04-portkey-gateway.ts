/**
 * Example 4 — Portkey's gateway on `ChatOpenAI`, the callback handler around it, and feedback.
 *
 * The seed routes `ChatOpenAI` through Portkey's gateway (`PORTKEY_GATEWAY_URL` and headers from
 * `createPortkeyHeaders`). The gateway logs each model call itself, under the trace id in the
 * headers; the handler, given in `config` with the same trace id, adds the chain's spans around
 * them and sends no second log for the model calls. Feedback then scores the whole trace.
 *
 * Offline (without both PORTKEY_API_KEY and OPENAI_API_KEY) the local model server stands in for
 * the gateway and receives the same headers.
 *
 * Run it: `npm run build && npx node examples/04-portkey-gateway.ts` (offline without API keys).
 */
import { randomUUID } from "node:crypto";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { ChatOpenAI } from "@langchain/openai";
import { createPortkeyHeaders, PortkeyCallbackHandler } from "langchain-llmops";
import { runExample } from "./local-backends.ts";
import type { Backends } from "./local-backends.ts";

export interface GatewayExampleResult {
  readonly answer: string;
  readonly traceId: string;
  /** The ids Portkey gave the feedback. */
  readonly feedbackIds: readonly string[];
}

export async function main(backends: Backends, print: (line: string) => void = console.log): Promise<GatewayExampleResult> {
  const traceId = `gateway-${randomUUID()}`;
  const portkeyApiKey = backends.portkey.apiKey ?? process.env.PORTKEY_API_KEY;
  const portkey = new PortkeyCallbackHandler({ apiKey: portkeyApiKey, baseURL: backends.portkey.baseURL });

  const model = new ChatOpenAI({
    model: "gpt-4o-mini",
    temperature: 0,
    apiKey: backends.gateway.apiKey, // the provider's key; undefined: OPENAI_API_KEY
    configuration: {
      baseURL: backends.gateway.baseURL, // PORTKEY_GATEWAY_URL
      defaultHeaders: createPortkeyHeaders({ apiKey: portkeyApiKey, provider: "openai", traceId, metadata: { _user: "u-42" } }),
    },
  });
  const prompt = ChatPromptTemplate.fromMessages([
    ["system", "Answer in one short sentence."],
    ["user", "{question}"],
  ]);

  print(
    backends.gateway.local
      ? "gateway: the local model server stands in for Portkey's gateway (real with PORTKEY_API_KEY and OPENAI_API_KEY)"
      : `gateway: ${backends.gateway.baseURL ?? ""}`,
  );
  try {
    const reply = await prompt
      .pipe(model)
      .invoke({ question: "What is the meaning of life, universe and everything?" }, { callbacks: [portkey], metadata: { traceId, _user: "u-42" } });
    print(`answer: ${reply.text}`);
    await portkey.flush();

    // value: an integer from -10 to 10; weight: 0 to 1. A delivery failure goes to onError, never throws.
    const feedbackIds = await portkey.feedback({ traceId, value: 8, weight: 1, metadata: { _user: "u-42", comment: "right answer" } });
    print(`feedback on ${traceId}: ${feedbackIds.join(", ")}`);
    return { answer: reply.text, traceId, feedbackIds };
  } finally {
    await portkey.shutdown();
  }
}

if (import.meta.main) await runExample(main);
