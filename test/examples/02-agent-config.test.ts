import { afterEach, expect, it } from "vitest";
import { main } from "../../examples/02-agent-config.ts";
import { startBackends } from "../../examples/local-backends.ts";
import type { StartedBackends } from "../../examples/local-backends.ts";
import { SEED_ANSWER, SEED_MODEL_CALLS, SEED_TOOL_CALLS } from "../support/seed-agent.ts";

let backends: StartedBackends | undefined;
afterEach(async () => {
  await backends?.close();
  backends = undefined;
});

it("example 2: handlers in config trace the whole agent under the given trace id, with _user and tags", async () => {
  backends = await startBackends({});
  const result = await main(backends, () => undefined, "req-123");
  expect(result.answer).toContain(String(SEED_ANSWER));

  const logs = backends.portkeyServer!.logs;
  const spanIds = new Set(logs.map((log) => log.span_id));
  expect(logs.filter((log) => log.parent_span_id === undefined).map((log) => log.span_name)).toEqual(["LangGraph"]);
  expect(logs.every((log) => log.parent_span_id === undefined || spanIds.has(log.parent_span_id))).toBe(true);
  for (const log of logs) {
    expect(log.trace_id).toBe("req-123");
    expect(log.metadata._user).toBe("u-42");
    expect(log.metadata.tags?.split(",")).toContain("checkout");
  }
  expect(logs.filter((log) => log.request.url.startsWith("langchain://tool/"))).toHaveLength(SEED_TOOL_CALLS);

  const spans = backends.promptLayerServer!.spans.map((stored) => stored.span);
  expect(spans).toHaveLength(logs.length);
  expect(new Set(spans.map((span) => (span.context as { trace_id: string }).trace_id)).size).toBe(1);
  const requestLogs = backends.promptLayerServer!.requestLogs;
  expect(requestLogs).toHaveLength(SEED_MODEL_CALLS);
  for (const log of requestLogs) {
    expect(log.body.tags).toEqual(expect.arrayContaining(["agent", "checkout"]));
    expect((log.body.metadata as Record<string, string>)._langchain_trace_id).toBe("req-123");
    expect((log.body.metadata as Record<string, string>)._user).toBe("u-42");
  }
});
