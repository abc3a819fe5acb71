import { afterEach, expect, it } from "vitest";
import { main } from "../../examples/05-shutdown.ts";
import { startBackends } from "../../examples/local-backends.ts";
import type { StartedBackends } from "../../examples/local-backends.ts";

let backends: StartedBackends | undefined;
afterEach(async () => {
  await backends?.close();
  backends = undefined;
});

it("example 5: a server's stop() and a serverless function's flush() deliver every record before they finish", async () => {
  backends = await startBackends({});
  const listenersBefore = process.listenerCount("SIGTERM");
  const result = await main(backends, () => undefined);
  expect(process.listenerCount("SIGTERM")).toBe(listenersBefore);

  const traceIds = backends.portkeyServer!.logs.map((log) => log.trace_id);
  expect(traceIds.sort()).toEqual([...result.serverTraceIds, ...result.serverlessTraceIds].sort());
  const plTraceIds = backends.promptLayerServer!.requestLogs.map((log) => (log.body.metadata as Record<string, string>)._langchain_trace_id);
  expect(plTraceIds.sort()).toEqual([...result.serverTraceIds, ...result.serverlessTraceIds].sort());

  // Server: after stop(), everything it queued was sent and nothing was dropped.
  for (const stats of [result.serverStats.portkey, result.serverStats.promptlayer]) {
    expect(stats.export).toMatchObject({ enqueued: 3, sent: 3, queued: 0, inFlight: 0, failed: 0 });
    expect(stats.export.dropped).toEqual({ queueFull: 0, afterShutdown: 0, shutdown: 0, invalid: 0 });
  }
  // Serverless: on each return, that invocation's record was already delivered.
  result.serverlessResponses.forEach((response, index) => {
    for (const stats of [response.stats.portkey, response.stats.promptlayer]) {
      expect(stats.export).toMatchObject({ enqueued: index + 1, sent: index + 1, queued: 0, inFlight: 0 });
    }
  });
});
