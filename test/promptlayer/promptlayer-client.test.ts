import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatPromptTemplate, PromptTemplate } from "@langchain/core/prompts";
import type { LlmopsError } from "langchain-llmops";
import { ExportError, ValidationError } from "langchain-llmops";
import { HttpTransport } from "../../src/export/http-transport.ts";
import { PromptLayerClient } from "../../src/promptlayer/promptlayer-client.ts";
import { startPromptLayerServer } from "../support/promptlayer-server.ts";
import type { PromptLayerServer } from "../support/promptlayer-server.ts";
import { CHAT_TEMPLATE } from "./templates.ts";

let server: PromptLayerServer;
let transport: HttpTransport;
let client: PromptLayerClient;
let requestId: number;
const errors: LlmopsError[] = [];

beforeEach(async () => {
  server = await startPromptLayerServer({
    templates: {
      example: [
        { prompt_template: CHAT_TEMPLATE, model: { provider: "openai", name: "gpt-4o-mini", parameters: { temperature: 0 } } },
        { prompt_template: CHAT_TEMPLATE, labels: ["prod"] },
        { prompt_template: { type: "completion", content: [{ type: "text", text: "Tell me about {{ product }}" }], template_format: "jinja2" } },
      ],
    },
  });
  transport = new HttpTransport({ baseURL: server.baseURL, headers: { "x-api-key": server.apiKey } });
  errors.length = 0;
  client = new PromptLayerClient({
    transport,
    retry: { maxAttempts: 3, initialRetryDelayMs: 5, maxRetryDelayMs: 10 },
    onError: (error) => errors.push(error),
  });
  // A request to track: log one the way the fallback path does.
  const logged = await fetch(`${server.baseURL}/log-request`, {
    method: "POST",
    headers: { "x-api-key": server.apiKey, "content-type": "application/json" },
    body: JSON.stringify({
      provider: "openai",
      model: "gpt-4o-mini",
      input: { type: "chat", messages: [] },
      output: { type: "chat", messages: [] },
      request_start_time: new Date().toISOString(),
      request_end_time: new Date().toISOString(),
    }),
  });
  requestId = ((await logged.json()) as { id: number }).id;
});
afterEach(async () => {
  await transport.close();
  await server.close();
});

describe("PromptLayerClient tracking", () => {
  it("sends track-score, track-metadata and track-prompt with the documented bodies", async () => {
    await expect(client.trackScore(requestId, 100)).resolves.toBe(true);
    await expect(client.trackScore(requestId, 7, "relevance")).resolves.toBe(true);
    await expect(client.trackMetadata(requestId, { foo: "bar" })).resolves.toBe(true);
    await expect(client.trackPrompt(requestId, { promptName: "example", version: 1, inputVariables: { product: "toasters" } })).resolves.toBe(true);
    await expect(client.trackPrompt(requestId, { promptName: "example", label: "prod" })).resolves.toBe(true);
    expect(server.tracks.map((t) => t.body)).toEqual([
      { request_id: requestId, score: 100 },
      { request_id: requestId, score: 7, name: "relevance" },
      { request_id: requestId, metadata: { foo: "bar" } },
      { request_id: requestId, prompt_name: "example", prompt_input_variables: { product: "toasters" }, version: 1 },
      { request_id: requestId, prompt_name: "example", prompt_input_variables: {}, label: "prod" },
    ]);
    expect(server.requestsTo("/rest/track-score")[0]!.headers["x-api-key"]).toBe(server.apiKey);
    expect(errors).toEqual([]);
  });

  it("rejects bad arguments before sending anything", async () => {
    await expect(client.trackScore(requestId, 101)).rejects.toThrow(ValidationError);
    await expect(client.trackScore(requestId, 99.5)).rejects.toThrow(/score: expected an integer from 0 to 100, got 99.5/);
    await expect(client.trackScore(0, 10)).rejects.toThrow(/requestId/);
    await expect(client.trackMetadata(requestId, { n: 1 } as never)).rejects.toThrow(/metadata.n: PromptLayer accepts string values only/);
    await expect(client.trackPrompt(requestId, { promptName: "example", version: 1, label: "prod" })).rejects.toThrow(/not both/);
    expect(server.requestsTo("/rest/track-score")).toHaveLength(0);
    expect(server.tracks).toHaveLength(0);
  });

  it("retries 5xx like an export, and reports a final refusal through onError", async () => {
    server.fail("/rest/track-score", 503, 502);
    await expect(client.trackScore(requestId, 50)).resolves.toBe(true);
    expect(server.requestsTo("/rest/track-score").map((r) => r.status)).toEqual([503, 502, 200]);
    expect(server.tracks).toHaveLength(1);

    await expect(client.trackScore(999, 50)).resolves.toBe(false);
    expect(errors).toHaveLength(1);
    expect((errors[0] as ExportError).status).toBe(400);
    expect((errors[0] as ExportError).bodyExcerpt).toContain("not found");
  });
});

describe("PromptLayerClient.getPromptTemplate", () => {
  it("returns a ChatPromptTemplate tagged with the resolved version", async () => {
    const latestChat = await client.getPromptTemplate("example", { label: "prod" });
    expect(latestChat).toBeInstanceOf(ChatPromptTemplate);
    expect(latestChat.metadata).toEqual({ promptlayer_prompt_name: "example", promptlayer_prompt_version: 2 });
    const messages = await (latestChat as ChatPromptTemplate).formatMessages({ product: "toasters" });
    expect(messages.map((m) => [m.getType(), m.content])).toEqual([
      ["system", "You sell kitchen appliances."],
      ["human", "Tell me a joke about toasters"],
    ]);
    expect(server.requestsTo("/prompt-templates/example")[0]!.body).toEqual({ label: "prod" });
  });

  it("returns a PromptTemplate for a completion blueprint (jinja2 read as mustache), latest by default", async () => {
    const prompt = await client.getPromptTemplate("example");
    expect(prompt).toBeInstanceOf(PromptTemplate);
    expect(prompt.metadata).toEqual({ promptlayer_prompt_name: "example", promptlayer_prompt_version: 3 });
    expect(await (prompt as PromptTemplate).format({ product: "toasters" })).toBe("Tell me about toasters");
  });

  it("URL-encodes the name and rejects with an ExportError for an unknown template", async () => {
    server.seedTemplate("a/b c", { prompt_template: CHAT_TEMPLATE });
    await expect(client.getPromptTemplate("a/b c")).resolves.toBeInstanceOf(ChatPromptTemplate);
    expect(server.requests.at(-1)!.path).toBe("/prompt-templates/a/b c");
    expect(server.requests.at(-1)!.status).toBe(200);
    const failure = client.getPromptTemplate("example", { version: 9 });
    await expect(failure).rejects.toBeInstanceOf(ExportError);
    await expect(failure).rejects.toMatchObject({ status: 404 });
  });
});
