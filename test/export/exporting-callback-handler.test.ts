import "./fail-on-unhandled.ts";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/core/run-record.ts";
import type { BatchSender, SendContext, SendOutcome } from "../../src/export/batch-sender.ts";
import { ExportingCallbackHandler } from "../../src/handlers/exporting-callback-handler.ts";
import type { ExportingHandlerOptions } from "../../src/handlers/exporting-callback-handler.ts";

interface Wire {
  readonly runId: string;
  readonly name: string;
}

/** A sender that notes whether it was called while a handle* method was still on the stack. */
class StackCheckingSender implements BatchSender<Wire> {
  readonly batches: Wire[][] = [];
  readonly sentInsideHandler: boolean[] = [];
  insideHandler = false;

  send(batch: readonly Wire[], _context: SendContext): Promise<SendOutcome> {
    this.batches.push([...batch]);
    this.sentInsideHandler.push(this.insideHandler);
    return Promise.resolve({ status: "success", bytes: 1 });
  }
}

class TestExportingHandler extends ExportingCallbackHandler<Wire> {
  constructor(options: ExportingHandlerOptions, sender: BatchSender<Wire>) {
    super({ ...options, name: "test-exporting" }, sender);
  }

  protected toWire(record: RunRecord): Wire {
    return { runId: record.runId, name: record.name };
  }
}

describe("ExportingCallbackHandler in serverless mode", () => {
  it("sends a trace when its root run ends, but never from inside the handle* call", async () => {
    const sender = new StackCheckingSender();
    const handler = new TestExportingHandler({ serverless: true, logger: { warn: () => undefined } }, sender);
    const inner = RunnableLambda.from((x: number) => x * 2).withConfig({ runName: "inner" });
    const outer = RunnableLambda.from(async (x: number, config) => (await inner.invoke(x, config)) + 1).withConfig({ runName: "outer" });
    const original = handler.handleChainEnd.bind(handler);
    handler.handleChainEnd = (...args: Parameters<typeof handler.handleChainEnd>) => {
      sender.insideHandler = true;
      try {
        return original(...args);
      } finally {
        sender.insideHandler = false;
      }
    };

    await expect(outer.invoke(1, { callbacks: [handler] })).resolves.toBe(3);
    await handler.flush();

    expect(sender.batches.map((batch) => batch.map((item) => item.name))).toEqual([["inner", "outer"]]);
    expect(sender.sentInsideHandler).toEqual([false]);
    expect(handler.stats().export).toMatchObject({ sent: 2, queued: 0 });
    await handler.shutdown();
  });
});
