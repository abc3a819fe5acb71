/**
 * Example 2 — handlers in `config` at invoke: the whole agent run is one trace.
 *
 * Callbacks given in `config` are inherited by every child run, so both backends see the graph's
 * root, each model call and each tool call with their parents. `config.metadata.traceId` names the
 * trace (use your request id); `_user` and the other metadata and `tags` go with every run.
 *
 * Run it: `npm run build && npx node examples/02-agent-config.ts` (offline without API keys).
 */
import { ChatOpenAI } from "@langchain/openai";
import { createAgent } from "langchain";
import { PortkeyCallbackHandler, PromptLayerCallbackHandler } from "langchain-llmops";
import { runExample } from "./local-backends.ts";
import type { Backends } from "./local-backends.ts";
import { exponentiate, multiply, SEED_QUESTION } from "./seed-tools.ts";

export interface AgentExampleResult {
  readonly answer: string;
  readonly traceId: string;
}

export async function main(
  backends: Backends,
  print: (line: string) => void = console.log,
  traceId = `req-${Date.now().toString(36)}`,
): Promise<AgentExampleResult> {
  const portkey = new PortkeyCallbackHandler({ apiKey: backends.portkey.apiKey, baseURL: backends.portkey.baseURL });
  const promptlayer = new PromptLayerCallbackHandler({
    apiKey: backends.promptlayer.apiKey,
    baseURL: backends.promptlayer.baseURL,
    pl_tags: ["agent"],
  });

  const agent = createAgent({
    model: new ChatOpenAI({
      model: "gpt-4o-mini",
      temperature: 0,
      apiKey: backends.openai.apiKey,
      configuration: { baseURL: backends.openai.baseURL },
    }),
    tools: [multiply, exponentiate],
  });

  try {
    const result = await agent.invoke(
      { messages: [{ role: "user", content: SEED_QUESTION }] },
      {
        callbacks: [portkey, promptlayer],
        metadata: { traceId, _user: "u-42", _environment: "example" },
        tags: ["checkout"],
      },
    );
    const answer = result.messages.at(-1)?.text ?? "";
    print(`answer: ${answer}`);
    print(`trace:  ${traceId} (Portkey: filter by trace id; PromptLayer: the _langchain_trace_id metadata)`);
    await Promise.all([portkey.flush(), promptlayer.flush()]);
    return { answer, traceId };
  } finally {
    await Promise.all([portkey.shutdown(), promptlayer.shutdown()]);
  }
}

if (import.meta.main) await runExample(main);
