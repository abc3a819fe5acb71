/**
 * Example 3 — PromptLayer's full-featured example: the prompt registry and `pl_id_callback`.
 *
 * Part 1 is the seed's code translated: fetch the registry template `example` (version 1), call the
 * model with it, and in `pl_id_callback` score the request, add metadata and link it to the template.
 * Part 2 links requests to the template when they are logged, with no tracking request at all: the
 * template from `getPromptTemplate` carries the link, and `promptLayerPrompt(...)` in `config.metadata`
 * does the same for a template of your own.
 *
 * Offline, the local receiver's registry holds `example` v1 ("Tell me a joke about {product}.");
 * against the real service, create a template named `example` with a `{product}` variable first.
 *
 * Run it: `npm run build && npx node examples/03-prompt-registry.ts` (offline without API keys).
 */
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { ChatOpenAI } from "@langchain/openai";
import { PromptLayerCallbackHandler, promptLayerPrompt } from "langchain-llmops";
import { runExample } from "./local-backends.ts";
import type { Backends } from "./local-backends.ts";

export interface RegistryExampleResult {
  /** The request id `pl_id_callback` received in part 1. */
  readonly requestIds: readonly number[];
  readonly answers: readonly string[];
}

export async function main(backends: Backends, print: (line: string) => void = console.log): Promise<RegistryExampleResult> {
  const connection = { apiKey: backends.promptlayer.apiKey, baseURL: backends.promptlayer.baseURL };
  const model = new ChatOpenAI({
    model: "gpt-4o-mini",
    temperature: 0,
    apiKey: backends.openai.apiKey,
    configuration: { baseURL: backends.openai.baseURL },
  });
  const requestIds: number[] = [];
  const answers: string[] = [];

  // Part 1: the seed's pl_id_callback. It runs after PromptLayer accepted the batch that carried the
  // request; flush() waits for it, tracking requests included.
  const tracked: PromptLayerCallbackHandler = new PromptLayerCallbackHandler({
    ...connection,
    pl_id_callback: async (requestId) => {
      print(`prompt layer id ${requestId}`);
      requestIds.push(requestId);
      await tracked.trackScore(requestId, 100); // an integer from 0 to 100
      await tracked.trackMetadata(requestId, { foo: "bar" }); // string values only
      await tracked.trackPrompt(requestId, { promptName: "example", version: 1, inputVariables: { product: "toasters" } });
    },
  });
  // Part 2: no callback; the registry link travels with the logged request.
  const linked = new PromptLayerCallbackHandler(connection);

  try {
    const examplePrompt = await tracked.getPromptTemplate("example", { version: 1 });

    const seedReply = await model.invoke(await examplePrompt.formatPromptValue({ product: "toasters" }), { callbacks: [tracked] });
    answers.push(seedReply.text);
    print(`part 1: ${seedReply.text}`);
    await tracked.flush();

    // The fetched template's runs carry promptLayerPrompt("example", { version: 1 }); the model call
    // that follows it is logged with prompt_name, prompt_version_number and the input variables.
    const fromRegistry = await examplePrompt.pipe(model).invoke({ product: "toasters" }, { callbacks: [linked] });
    answers.push(fromRegistry.text);
    print(`part 2, registry template: ${fromRegistry.text}`);

    // A template of your own, linked through config.metadata.
    const ownPrompt = ChatPromptTemplate.fromMessages([["user", "Tell me a joke about {product}."]]);
    const variables = { product: "kettles" };
    const fromOwn = await ownPrompt.pipe(model).invoke(variables, {
      callbacks: [linked],
      metadata: promptLayerPrompt("example", { version: 1, inputVariables: variables }),
    });
    answers.push(fromOwn.text);
    print(`part 2, own template:      ${fromOwn.text}`);
    await linked.flush();

    return { requestIds, answers };
  } finally {
    await Promise.all([tracked.shutdown(), linked.shutdown()]);
  }
}

if (import.meta.main) await runExample(main);
