import { afterEach, describe, expect, it } from "vitest";
import { main, SEED_ANSWER } from "../../examples/demo.ts";
import { startBackends } from "../../examples/local-backends.ts";
import type { StartedBackends } from "../../examples/local-backends.ts";
import { SEED_MODEL_CALLS, SEED_TOOL_CALLS } from "../support/seed-agent.ts";

/** LangGraph root and `__start__`; per model call `model_request`, `ChatOpenAI`, `RunnableLambda`; per tool call `tools` and the tool. */
const SEED_RUNS = 2 + 3 * SEED_MODEL_CALLS + 2 * SEED_TOOL_CALLS;

let backends: StartedBackends | undefined;

afterEach(async () => {
  await backends?.close();
  backends = undefined;
});

async function local(): Promise<StartedBackends> {
  backends = await startBackends({});
  return backends;
}

describe("npm run demo", () => {
  it("answers the seed question, draws both traces, and checks that every record arrived", async () => {
    const started = await local();
    const lines: string[] = [];
    const result = await main(started, (line) => lines.push(line));

    expect(result.ok).toBe(true);
    expect(result.checks.length).toBeGreaterThanOrEqual(6);
    expect(result.answer.replaceAll(",", "")).toContain(String(SEED_ANSWER));

    const logs = started.portkeyServer!.logs;
    expect(logs).toHaveLength(SEED_RUNS);
    expect(new Set(logs.map((log) => log.trace_id))).toEqual(new Set([result.traceId]));
    expect(logs.filter((log) => log.parent_span_id === undefined).map((log) => log.span_name)).toEqual(["LangGraph"]);
    for (const log of logs) {
      expect(log.metadata._user).toBe("demo-user");
      expect(log.metadata.tags?.split(",")).toEqual(expect.arrayContaining(["demo", "seed-agent"]));
    }

    const spans = started.promptLayerServer!.spans;
    expect(spans).toHaveLength(SEED_RUNS);
    expect(result.requestIds).toHaveLength(SEED_MODEL_CALLS);
    expect([...result.requestIds].sort()).toEqual(started.promptLayerServer!.requestLogs.map((log) => log.id).sort());
    expect(started.promptLayerServer!.requestLogs.every((log) => (log.body.tags as string[]).includes("langchain-llmops-demo"))).toBe(true);

    expect(result.portkeyStats.export).toMatchObject({ enqueued: SEED_RUNS, sent: SEED_RUNS, failed: 0 });
    expect(result.promptLayerStats.export).toMatchObject({ enqueued: SEED_RUNS, sent: SEED_RUNS, failed: 0 });

    const text = lines.join("\n");
    expect(text).toContain(`Portkey — ${SEED_RUNS} logs arrived:`);
    expect(text).toContain(`PromptLayer — ${SEED_RUNS} spans arrived:`);
    expect(text).toMatch(/^ {2}LangGraph {2}\[chain\]/m);
    expect(text).toMatch(/│ {2}├─ ChatOpenAI {2}\[chat_model\] {2}[\d.]+ ms {2}142 in \/ 19 out tokens {2}ok/);
    expect(text).toMatch(/└─ exponentiate {2}\[tool\]/);
    expect(text).toContain(`pl_id_callback received ${SEED_MODEL_CALLS} PromptLayer request ids: ${result.requestIds.join(", ")}`);
    expect(text).toContain("Every record arrived.");
  });

  it("fails its check when a backend refuses the records", async () => {
    const started = await local();
    started.portkeyServer!.fail({ path: "/v1/logs", status: 400, times: Infinity });
    const result = await main(started, () => undefined);

    expect(result.ok).toBe(false);
    const failed = result.checks.filter((check) => !check.ok).map((check) => check.name);
    expect(failed).toContain("Portkey: every record queued was acknowledged");
    expect(failed).toContain("Portkey: the receiver got every record exactly once");
    expect(failed).not.toContain("PromptLayer: every record queued was acknowledged");
  });

  it("uses a real service exactly when its key is set, and says which it used", async () => {
    backends = await startBackends({ PORTKEY_API_KEY: "pk-real", PORTKEY_BASE_URL: "https://portkey.example/v1", OPENAI_API_KEY: "" });
    expect(backends.portkey).toEqual({ local: false });
    expect(backends.portkeyServer).toBeUndefined();
    expect(backends.promptlayer.local).toBe(true);
    expect(backends.openai.local).toBe(true);
    expect(backends.describe()).toEqual([
      `model:       local OpenAI-compatible server at ${backends.openai.baseURL} (no OPENAI_API_KEY)`,
      "Portkey:     the Portkey API at https://portkey.example/v1 (PORTKEY_API_KEY is set)",
      `PromptLayer: local receiver at ${backends.promptlayer.baseURL} (no PROMPTLAYER_API_KEY)`,
    ]);
  });
});
