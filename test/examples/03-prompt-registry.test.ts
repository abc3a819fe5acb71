import { afterEach, expect, it } from "vitest";
import { main } from "../../examples/03-prompt-registry.ts";
import { startBackends } from "../../examples/local-backends.ts";
import type { StartedBackends } from "../../examples/local-backends.ts";

let backends: StartedBackends | undefined;
afterEach(async () => {
  await backends?.close();
  backends = undefined;
});

it("example 3: the registry template, pl_id_callback tracking score, metadata and prompt, and links made at log time", async () => {
  backends = await startBackends({});
  const result = await main(backends, () => undefined);
  const server = backends.promptLayerServer!;

  expect(server.requestsTo("/prompt-templates/example").map((request) => request.body)).toEqual([{ version: 1 }]);
  expect(result.answers).toHaveLength(3);

  // Part 1: one request id, tracked three ways, exactly as the Python example does.
  expect(result.requestIds).toHaveLength(1);
  const requestId = result.requestIds[0]!;
  expect(server.tracks).toEqual([
    { kind: "score", body: { request_id: requestId, score: 100 } },
    { kind: "metadata", body: { request_id: requestId, metadata: { foo: "bar" } } },
    { kind: "prompt", body: { request_id: requestId, prompt_name: "example", prompt_input_variables: { product: "toasters" }, version: 1 } },
  ]);

  // Part 2: linked in the request logs themselves, no tracking request.
  const [seed, fromRegistry, fromOwn] = server.requestLogs;
  expect(server.requestLogs).toHaveLength(3);
  expect(seed!.id).toBe(requestId);
  expect(seed!.body.prompt_name).toBeUndefined();
  expect(fromRegistry!.body).toMatchObject({ prompt_name: "example", prompt_version_number: 1, prompt_input_variables: { product: "toasters" } });
  expect(fromOwn!.body).toMatchObject({ prompt_name: "example", prompt_version_number: 1, prompt_input_variables: { product: "kettles" } });
});
