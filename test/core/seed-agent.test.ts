import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIServer } from "../support/openai-server.ts";
import type { OpenAIServer } from "../support/openai-server.ts";
import { SEED_ANSWER, SEED_MODEL_CALLS, createSeedAgent, createTestChatModel, seedInput, seedResponder } from "../support/seed-agent.ts";

describe("seed agent against the scripted OpenAI server", () => {
  let server: OpenAIServer;
  beforeAll(async () => {
    server = await startOpenAIServer({ respond: seedResponder });
  });
  afterAll(() => server.close());

  it("answers 76527504 after three tool calls", async () => {
    const before = server.requests.length;
    const result = await createSeedAgent({ baseURL: server.baseURL }).invoke(seedInput());
    const last = result.messages.at(-1);
    expect(last?.text).toContain(String(SEED_ANSWER));
    const toolMessages = result.messages.filter((m) => m.getType() === "tool").map((m) => m.text);
    expect(toolMessages).toEqual(["243", "8748", String(SEED_ANSWER)]);
    expect(server.requests.length - before).toBe(SEED_MODEL_CALLS);
    expect(server.requests.at(-1)?.path).toBe("/v1/chat/completions");
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer sk-test");
  });

  it("streams content and tool calls, with a final usage chunk", async () => {
    const model = createTestChatModel({ baseURL: server.baseURL });
    let text = "";
    let usage: unknown;
    for await (const chunk of await model.stream("go")) {
      text += typeof chunk.content === "string" ? chunk.content : "";
      usage = chunk.usage_metadata ?? usage;
    }
    expect(text).toBe("");
    expect(usage).toMatchObject({ input_tokens: 142, output_tokens: 19, total_tokens: 161 });
    expect(server.requests.at(-1)?.body.stream_options).toEqual({ include_usage: true });
  });
});
