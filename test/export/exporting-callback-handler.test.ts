import "./fail-on-unhandled.ts";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it, vi } from "vitest";
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

  it("still sends the rest of a trace when mask drops its root record", async () => {
    const sender = new StackCheckingSender();
    const handler = new TestExportingHandler(
      { serverless: true, mask: (record) => (record.name === "outer" ? undefined : record), logger: { warn: () => undefined } },
      sender,
    );
    const inner = RunnableLambda.from((x: number) => x * 2).withConfig({ runName: "inner" });
    const outer = RunnableLambda.from(async (x: number, config) => (await inner.invoke(x, config)) + 1).withConfig({ runName: "outer" });

    await expect(outer.invoke(1, { callbacks: [handler] })).resolves.toBe(3);
    // No flush() here: the root's end alone must start the send.
    await vi.waitFor(() => expect(sender.batches).toHaveLength(1), { timeout: 2000, interval: 5 });

    expect(sender.batches[0]!.map((item) => item.name)).toEqual(["inner"]);
    expect(handler.stats().tracking).toMatchObject({ recordsDropped: 1, recordsDelivered: 1 });
    await handler.shutdown();
  });

  it("counts and reports a mapping that throws, and the chain goes on", async () => {
    class ThrowingMapping extends TestExportingHandler {
      protected override toWire(record: RunRecord): Wire {
        if (record.name === "inner") throw new Error("cannot map inner");
        return super.toWire(record);
      }
    }
    const errors: Error[] = [];
    const sender = new StackCheckingSender();
    const handler = new ThrowingMapping({ serverless: true, onError: (error) => errors.push(error) }, sender);
    const inner = RunnableLambda.from((x: number) => x * 2).withConfig({ runName: "inner" });
    const outer = RunnableLambda.from(async (x: number, config) => (await inner.invoke(x, config)) + 1).withConfig({ runName: "outer" });

    await expect(outer.invoke(1, { callbacks: [handler] })).resolves.toBe(3);
    await handler.flush();

    expect(sender.batches.map((batch) => batch.map((item) => item.name))).toEqual([["outer"]]);
    expect(handler.stats().tracking).toMatchObject({ handlerErrors: 1, recordsDelivered: 1 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "ERR_LLMOPS_CALLBACK" });
    expect(errors[0]!.message).toContain("cannot map inner");
    await handler.shutdown();
  });
});
