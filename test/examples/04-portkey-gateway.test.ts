import { afterEach, expect, it } from "vitest";
import { main } from "../../examples/04-portkey-gateway.ts";
import { startBackends } from "../../examples/local-backends.ts";
import type { StartedBackends } from "../../examples/local-backends.ts";

let backends: StartedBackends | undefined;
afterEach(async () => {
  await backends?.close();
  backends = undefined;
});

it("example 4: gateway headers link the model call to the trace, the handler logs no duplicate, feedback arrives", async () => {
  backends = await startBackends({});
  const result = await main(backends, () => undefined);
  expect(result.answer).toBe("42.");

  // The "gateway" (the local model server) got the Portkey headers.
  const [call] = backends.modelServer!.requests;
  expect(call!.headers["x-portkey-trace-id"]).toBe(result.traceId);
  expect(call!.headers["x-portkey-provider"]).toBe("openai");
  expect(call!.headers["x-portkey-api-key"]).toBe(backends.portkey.apiKey);
  expect(JSON.parse(String(call!.headers["x-portkey-metadata"]))).toEqual({ _user: "u-42" });

  // The handler sent the chain's spans, not the model call the gateway already logged.
  const logs = backends.portkeyServer!.logs;
  expect(logs.length).toBeGreaterThanOrEqual(2);
  expect(logs.some((log) => log.request.url.endsWith("/chat/completions"))).toBe(false);
  expect(logs.map((log) => log.span_name)).toEqual(expect.arrayContaining(["RunnableSequence", "ChatPromptTemplate"]));
  expect(logs.every((log) => log.trace_id === result.traceId)).toBe(true);
  // The Portkey key in defaultHeaders never reaches a log body.
  for (const request of backends.portkeyServer!.requestsTo("/v1/logs")) expect(request.text).not.toContain(backends.portkey.apiKey);

  expect(backends.portkeyServer!.feedback).toEqual([
    { id: result.feedbackIds[0], trace_id: result.traceId, value: 8, weight: 1, metadata: { _user: "u-42", comment: "right answer" } },
  ]);
  expect(result.feedbackIds).toHaveLength(1);
});
