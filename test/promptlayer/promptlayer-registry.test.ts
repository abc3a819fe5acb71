/**
 * Prompt-registry tracking end to end (promptLayerPrompt metadata, its tag form, getPromptTemplate)
 * and LangChain Python's "full featured example", translated.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk arbitrary wire JSON */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import type { ChatOpenAI } from "@langchain/openai";
import type { LlmopsError } from "langchain-llmops";
import { promptLayerPrompt } from "../../src/promptlayer/prompt-layer-prompt.ts";
import { PromptLayerCallbackHandler } from "../../src/promptlayer/promptlayer-callback-handler.ts";
import type { PromptLayerCallbackHandlerOptions } from "../../src/promptlayer/promptlayer-options.ts";
import { startOpenAIServer } from "../support/openai-server.ts";
import type { OpenAIServer } from "../support/openai-server.ts";
import { startPromptLayerServer } from "../support/promptlayer-server.ts";
import type { PromptLayerServer } from "../support/promptlayer-server.ts";
import { createTestChatModel } from "../support/seed-agent.ts";
import { CHAT_TEMPLATE } from "./templates.ts";

const COMPLETION_TEMPLATE = { type: "completion", content: [{ type: "text", text: "Tell me a joke about {product}" }], template_format: "f-string" };

let openai: OpenAIServer;
let pl: PromptLayerServer;
let handler: PromptLayerCallbackHandler | undefined;
let chat: ChatOpenAI;
const errors: LlmopsError[] = [];
const vars = { product: "toasters" };

beforeEach(async () => {
  pl = await startPromptLayerServer({
    templates: { example: [{ prompt_template: COMPLETION_TEMPLATE }, { prompt_template: CHAT_TEMPLATE, labels: ["prod"] }] },
  });
  openai = await startOpenAIServer({ respond: () => ({ content: "Why did the toaster…" }) });
  chat = createTestChatModel({ baseURL: openai.baseURL });
  errors.length = 0;
});
afterEach(async () => {
  await handler?.shutdown();
  handler = undefined;
  await openai.close();
  await pl.close();
});

function makeHandler(options: PromptLayerCallbackHandlerOptions = {}): PromptLayerCallbackHandler {
  handler = new PromptLayerCallbackHandler({
    apiKey: pl.apiKey,
    baseURL: pl.baseURL,
    flushIntervalMs: 60_000,
    onError: (error) => errors.push(error),
    ...options,
  });
  return handler;
}

const logOf = (index = 0): any => pl.requestLogs[index]!.body;

describe("registry tracking", () => {
  it("links the model call of a chain invoked with promptLayerPrompt metadata", async () => {
    const received: number[] = [];
    const pl_ = makeHandler({ pl_id_callback: (id) => void received.push(id) });
    const prompt = ChatPromptTemplate.fromMessages([["human", "Tell me a joke about {product}"]]);
    await prompt.pipe(chat).invoke(vars, { callbacks: [pl_], metadata: promptLayerPrompt("example", { version: 1, inputVariables: vars }) });
    await pl_.flush();

    expect(pl.requestLogs).toHaveLength(1);
    expect(logOf()).toMatchObject({ prompt_name: "example", prompt_version_number: 1, prompt_input_variables: vars });
    for (const key of Object.keys(logOf().metadata)) expect(key).not.toMatch(/^promptlayer_prompt/);
    expect(received).toEqual([pl.requestLogs[0]!.id]);
    // Chain spans carry the link too, but only model runs have a request log.
    expect((pl.requestsTo("/spans-bulk")[0]!.body as any).spans.filter((s: any) => s.log_request)).toHaveLength(1);
  });

  it("takes the input variables from the prompt run when the metadata names none, and reads the tag form", async () => {
    const pl_ = makeHandler();
    const prompt = ChatPromptTemplate.fromMessages([["human", "Tell me a joke about {product}"]]);
    await prompt.pipe(chat).invoke(vars, { callbacks: [pl_], metadata: promptLayerPrompt("example", { label: "prod" }) });
    await prompt.pipe(chat).invoke({ product: "kettles" }, { callbacks: [pl_], tags: ["pl_prompt:example", "pl_prompt_version:2"] });
    await pl_.flush();

    expect(pl.requestLogs).toHaveLength(2);
    expect(logOf(0)).toMatchObject({ prompt_name: "example", prompt_input_variables: vars, metadata: { prompt_label: "prod" } });
    expect(logOf(0)).not.toHaveProperty("prompt_version_number");
    expect(logOf(1)).toMatchObject({ prompt_name: "example", prompt_version_number: 2, prompt_input_variables: { product: "kettles" } });
  });

  it("links model calls made through getPromptTemplate(...).pipe(model) to the fetched version", async () => {
    const pl_ = makeHandler();
    const template = await pl_.getPromptTemplate("example", { label: "prod" });
    expect(template).toBeInstanceOf(ChatPromptTemplate);
    await template.pipe(chat).invoke(vars, { callbacks: [pl_] });
    // A call that does not go through the template is not linked.
    await chat.invoke("unrelated", { callbacks: [pl_] });
    await pl_.flush();

    expect(pl.requestLogs).toHaveLength(2);
    const linked = logOf(0);
    expect(linked).toMatchObject({ prompt_name: "example", prompt_version_number: 2, prompt_input_variables: vars });
    expect(linked.input.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "You sell kitchen appliances." }] },
      { role: "user", content: [{ type: "text", text: "Tell me a joke about toasters" }] },
    ]);
    expect(logOf(1)).not.toHaveProperty("prompt_name");
  });
});

describe("LangChain Python's full featured example, translated", () => {
  it("pl_id_callback tracks score, metadata and prompt for the id it receives; flush() waits for it", async () => {
    const ids: number[] = [];
    const promptlayer: PromptLayerCallbackHandler = makeHandler({
      pl_id_callback: async (promptlayerRequestId) => {
        ids.push(promptlayerRequestId);
        await promptlayer.trackScore(promptlayerRequestId, 100); // score is an integer 0-100
        await promptlayer.trackMetadata(promptlayerRequestId, { foo: "bar" });
        await promptlayer.trackPrompt(promptlayerRequestId, { promptName: "example", inputVariables: { product: "toasters" }, version: 1 });
      },
    });
    const openaiLlm = createTestChatModel({ baseURL: openai.baseURL, callbacks: [promptlayer] });
    const examplePrompt = await promptlayer.getPromptTemplate("example", { version: 1 });
    await openaiLlm.invoke(await examplePrompt.format({ product: "toasters" }));
    await promptlayer.flush();

    expect(ids).toHaveLength(1);
    const id = ids[0]!;
    expect(pl.requestLogs.map((log) => log.id)).toEqual([id]);
    expect(logOf().input.messages[0].content).toEqual([{ type: "text", text: "Tell me a joke about toasters" }]);
    expect(pl.requests.map((r) => [r.path, r.status])).toEqual([
      ["/prompt-templates/example", 200],
      ["/spans-bulk", 201],
      ["/rest/track-score", 200],
      ["/rest/track-metadata", 200],
      ["/rest/track-prompt", 200],
    ]);
    expect(pl.tracks.map((t) => t.body)).toEqual([
      { request_id: id, score: 100 },
      { request_id: id, metadata: { foo: "bar" } },
      { request_id: id, prompt_name: "example", prompt_input_variables: { product: "toasters" }, version: 1 },
    ]);
    for (const request of pl.requests) expect(request.headers["x-api-key"]).toBe(pl.apiKey);
    expect(errors).toEqual([]);
  });

  it("a pl_id_callback that throws is reported as a CallbackError and the handler goes on", async () => {
    const pl_ = makeHandler({
      pl_id_callback: async (id) => {
        await pl_.trackScore(id, 101);
      },
    });
    await chat.invoke("hi", { callbacks: [pl_] });
    await pl_.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe("ERR_LLMOPS_CALLBACK");
    expect(errors[0]!.message).toBe("pl_id_callback failed: score: expected an integer from 0 to 100, got 101");
    expect(pl.requestsTo("/rest/track-score")).toHaveLength(0);
  });
});
