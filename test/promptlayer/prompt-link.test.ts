import { describe, expect, it } from "vitest";
import { ValidationError } from "langchain-llmops";
import { promptLayerPrompt } from "../../src/promptlayer/prompt-layer-prompt.ts";
import { PromptLinkRegistry } from "../../src/promptlayer/prompt-link-registry.ts";
import { readPromptLink } from "../../src/promptlayer/prompt-link.ts";
import { chainRecord, modelRecord, ROOT } from "./records.ts";

const SEQUENCE = "019a4f2e-7c1d-7b3a-9e21-000000000100";
const PROMPT_RUN = "019a4f2e-7c1d-7b3a-9e21-000000000101";

describe("promptLayerPrompt", () => {
  it("returns metadata the handler reads back", () => {
    const metadata = promptLayerPrompt("example", { version: 1, inputVariables: { product: "toasters" } });
    expect(metadata).toEqual({
      promptlayer_prompt_name: "example",
      promptlayer_prompt_version: 1,
      promptlayer_prompt_input_variables: { product: "toasters" },
    });
    expect(readPromptLink({ metadata: metadata as never, tags: [] })).toEqual({
      name: "example",
      version: 1,
      inputVariables: { product: "toasters" },
    });
  });

  it("rejects bad arguments with a ValidationError naming the field", () => {
    expect(() => promptLayerPrompt("")).toThrow(ValidationError);
    expect(() => promptLayerPrompt("x", { version: 1.5 })).toThrow(/version: expected an integer ≥ 1, got 1.5/);
    expect(() => promptLayerPrompt("x", { version: 1, label: "prod" })).toThrow(/not both/);
    expect(() => promptLayerPrompt("x", { label: " " })).toThrow(/label/);
    expect(() => promptLayerPrompt("x", { inputVariables: ["a"] as never })).toThrow(/inputVariables/);
  });

  it("reads the documented tag form", () => {
    expect(readPromptLink({ metadata: {}, tags: ["x", "pl_prompt:example", "pl_prompt_version:3"] })).toEqual({ name: "example", version: 3 });
    expect(readPromptLink({ metadata: {}, tags: ["pl_prompt:example", "pl_prompt_label:prod"] })).toEqual({ name: "example", label: "prod" });
    expect(readPromptLink({ metadata: {}, tags: ["pl_prompt_version:3"] })).toBeUndefined();
  });
});

describe("PromptLinkRegistry", () => {
  it("links a model run to the template its own (inherited) metadata names", () => {
    const registry = new PromptLinkRegistry();
    const metadata = promptLayerPrompt("example", { version: 2, inputVariables: { product: "toasters" } });
    expect(registry.linkFor(modelRecord({ metadata: { ...metadata } as never }))).toEqual({
      name: "example",
      version: 2,
      inputVariables: { product: "toasters" },
    });
    expect(registry.linkFor(modelRecord())).toBeUndefined();
  });

  it("links the model run that follows a tracked prompt run under the same parent (prompt.pipe(model))", () => {
    const registry = new PromptLinkRegistry();
    const promptRun = chainRecord({
      runId: PROMPT_RUN,
      parentRunId: SEQUENCE,
      name: "ChatPromptTemplate",
      metadata: { ...promptLayerPrompt("example", { version: 1 }) } as never,
      payload: { kind: "chain", inputs: { product: "toasters" }, outputs: {} },
    });
    expect(registry.linkFor(promptRun)).toBeUndefined();
    expect(registry.pendingCount).toBe(1);
    // A model run elsewhere is not linked.
    expect(registry.linkFor(modelRecord({ parentRunId: ROOT }))).toBeUndefined();
    expect(registry.linkFor(modelRecord({ parentRunId: SEQUENCE }))).toEqual({
      name: "example",
      version: 1,
      inputVariables: { product: "toasters" },
    });
    // Used once: a second model call under the same parent is not linked again.
    expect(registry.linkFor(modelRecord({ parentRunId: SEQUENCE }))).toBeUndefined();
    expect(registry.pendingCount).toBe(0);
  });

  it("forgets a pending link when its parent finishes, and stays bounded", () => {
    const registry = new PromptLinkRegistry(3);
    const tracked = (runId: string, parentRunId: string) =>
      chainRecord({ runId, parentRunId, metadata: { promptlayer_prompt_name: "example" }, payload: { kind: "chain", inputs: {} } });
    registry.linkFor(tracked(PROMPT_RUN, SEQUENCE));
    registry.linkFor(chainRecord({ runId: SEQUENCE }));
    expect(registry.pendingCount).toBe(0);
    for (let i = 0; i < 10; i++) registry.linkFor(tracked(`p${i}`, `parent${i}`));
    expect(registry.pendingCount).toBe(3);
  });
});
