/**
 * `npm run demo`: the seed agent — LangChain v1 `createAgent` with `multiply` and `exponentiate` —
 * answers "Take 3 to the fifth power and multiply that by thirty six, then square the result"
 * (76,527,504), traced to Portkey and PromptLayer at once by handlers given in `config` at invoke.
 *
 * Without API keys everything runs locally (see `local-backends.ts`); with `OPENAI_API_KEY`,
 * `PORTKEY_API_KEY` or `PROMPTLAYER_API_KEY` set, that service is the real one. The demo prints the
 * answer, each backend's trace as a tree, the PromptLayer request ids given to `pl_id_callback` and
 * the exporters' counters, then checks that every record the handlers sent arrived, exactly once.
 * It exits 0 only if so.
 */
import { randomUUID } from "node:crypto";
import { ChatOpenAI } from "@langchain/openai";
import { createAgent } from "langchain";
import { PortkeyCallbackHandler, PromptLayerCallbackHandler } from "langchain-llmops";
import type { HandlerStats, LlmopsError, RunRecord } from "langchain-llmops";
import { runExample } from "./local-backends.ts";
import type { StartedBackends } from "./local-backends.ts";
import { exponentiate, multiply, SEED_QUESTION } from "./seed-tools.ts";
import { drawTree, fromPortkeyLogs, fromPromptLayerSpans, fromRecords, spanAttribute } from "./trace-tree.ts";

/** One thing the demo verified. */
export interface DemoCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DemoResult {
  readonly answer: string;
  /** The trace id given in `config.metadata`. */
  readonly traceId: string;
  /** What `pl_id_callback` received, in call order. */
  readonly requestIds: readonly number[];
  readonly portkeyStats: HandlerStats;
  readonly promptLayerStats: HandlerStats;
  readonly checks: readonly DemoCheck[];
  /** True when every check passed. */
  readonly ok: boolean;
}

export const SEED_ANSWER = 76_527_504;

export async function main(backends: StartedBackends, print: (line: string) => void = console.log): Promise<DemoResult> {
  // `mask` sees every record just before it is queued; the demo keeps a copy to compare with what arrived.
  const sentToPortkey: RunRecord[] = [];
  const sentToPromptLayer: RunRecord[] = [];
  const errors: LlmopsError[] = [];
  const requestIds: number[] = [];

  const portkey = new PortkeyCallbackHandler({
    apiKey: backends.portkey.apiKey,
    baseURL: backends.portkey.baseURL,
    metadata: { _environment: "demo" },
    mask: (record) => (sentToPortkey.push(record), record),
    onError: (error) => errors.push(error),
  });
  const promptlayer = new PromptLayerCallbackHandler({
    apiKey: backends.promptlayer.apiKey,
    baseURL: backends.promptlayer.baseURL,
    pl_tags: ["langchain-llmops-demo"],
    pl_id_callback: (requestId) => requestIds.push(requestId),
    mask: (record) => (sentToPromptLayer.push(record), record),
    onError: (error) => errors.push(error),
  });

  try {
    const agent = createAgent({
      model: new ChatOpenAI({
        model: "gpt-4o-mini",
        temperature: 0,
        apiKey: backends.openai.apiKey,
        configuration: { baseURL: backends.openai.baseURL },
      }),
      tools: [multiply, exponentiate],
    });

    const traceId = `demo-${randomUUID()}`;
    const started = performance.now();
    const result = await agent.invoke(
      { messages: [{ role: "user", content: SEED_QUESTION }] },
      { callbacks: [portkey, promptlayer], metadata: { traceId, _user: "demo-user" }, tags: ["demo", "seed-agent"] },
    );
    const answer = result.messages.at(-1)?.text ?? "";
    const agentMs = performance.now() - started;
    // Sends what is queued now; pl_id_callback has run when this resolves.
    await Promise.all([portkey.flush(), promptlayer.flush()]);

    print(`Question: ${SEED_QUESTION}`);
    print(`Answer:   ${answer}`);
    print(`          (${agentMs.toFixed(0)} ms, trace id ${traceId})`);

    const arrivedAtPortkey = backends.portkeyServer?.logs.filter((log) => log.trace_id === traceId);
    const arrivedAtPromptLayer = backends.promptLayerServer?.spans
      .map((stored) => stored.span)
      .filter((span) => spanAttribute(span, "langchain.trace_id") === traceId);

    print("");
    if (arrivedAtPortkey === undefined) {
      print(`Portkey — ${sentToPortkey.length} logs sent (the service's copy is not read back):`);
      for (const line of drawTree(fromRecords(sentToPortkey))) print(`  ${line}`);
    } else {
      print(`Portkey — ${arrivedAtPortkey.length} logs arrived:`);
      for (const line of drawTree(fromPortkeyLogs(arrivedAtPortkey))) print(`  ${line}`);
    }
    print("");
    if (arrivedAtPromptLayer === undefined) {
      print(`PromptLayer — ${sentToPromptLayer.length} spans sent (the service's copy is not read back):`);
      for (const line of drawTree(fromRecords(sentToPromptLayer))) print(`  ${line}`);
    } else {
      print(`PromptLayer — ${arrivedAtPromptLayer.length} spans arrived:`);
      for (const line of drawTree(fromPromptLayerSpans(arrivedAtPromptLayer))) print(`  ${line}`);
    }
    print("");
    print(`pl_id_callback received ${requestIds.length} PromptLayer request ids: ${requestIds.join(", ")}`);

    const portkeyStats = portkey.stats();
    const promptLayerStats = promptlayer.stats();
    print("");
    print("Exporter stats:");
    print(`  Portkey:     ${describeStats(portkeyStats)}`);
    print(`  PromptLayer: ${describeStats(promptLayerStats)}`);
    for (const error of errors) print(`  reported: ${error.code} ${error.message}`);

    const checks: DemoCheck[] = [
      deliveryCheck("Portkey", sentToPortkey, portkeyStats),
      deliveryCheck("PromptLayer", sentToPromptLayer, promptLayerStats),
      {
        name: "pl_id_callback: one request id per model call",
        ok: requestIds.length === countModelRuns(sentToPromptLayer) && new Set(requestIds).size === requestIds.length,
        detail: `${requestIds.length} ids for ${countModelRuns(sentToPromptLayer)} model calls`,
      },
      { name: "no errors reported", ok: errors.length === 0, detail: `${errors.length} reported` },
    ];
    if (arrivedAtPortkey !== undefined) {
      checks.push(arrivalCheck("Portkey", sentToPortkey.map((record) => record.runId), arrivedAtPortkey.map((log) => log.span_id)));
    }
    if (arrivedAtPromptLayer !== undefined && backends.promptLayerServer !== undefined) {
      const arrivedRunIds = arrivedAtPromptLayer.map((span) => String(spanAttribute(span, "langchain.run_id")));
      checks.push(arrivalCheck("PromptLayer", sentToPromptLayer.map((record) => record.runId), arrivedRunIds));
      const stored = backends.promptLayerServer.requestLogs
        .filter((log) => log.body.metadata !== null && typeof log.body.metadata === "object" && !Array.isArray(log.body.metadata) && log.body.metadata._langchain_trace_id === traceId)
        .map((log) => log.id);
      checks.push({
        name: "PromptLayer: pl_id_callback got exactly the request ids the receiver gave",
        ok: sameMembers(requestIds.map(String), stored.map(String)),
        detail: `received ${requestIds.length}, stored ${stored.length}`,
      });
    }
    if (backends.openai.local) {
      checks.push({
        name: `answer is ${SEED_ANSWER}`,
        ok: answer.replaceAll(",", "").includes(String(SEED_ANSWER)),
        detail: answer,
      });
    }

    print("");
    print("Checks:");
    for (const check of checks) print(`  ${check.ok ? "ok  " : "FAIL"}  ${check.name} (${check.detail})`);
    const ok = checks.every((check) => check.ok);
    print(ok ? "Every record arrived." : "Some records did not arrive: see the failed checks above.");
    return { answer, traceId, requestIds, portkeyStats, promptLayerStats, checks, ok };
  } finally {
    await Promise.all([portkey.shutdown(), promptlayer.shutdown()]);
  }
}

function describeStats({ tracking, export: sent }: HandlerStats): string {
  const dropped = sent.dropped.queueFull + sent.dropped.afterShutdown + sent.dropped.shutdown + sent.dropped.invalid;
  return [
    `${tracking.runsStarted} runs tracked (${tracking.openRuns} open, ${tracking.evicted} evicted)`,
    `${sent.enqueued} records queued`,
    `${sent.sent} sent in ${sent.batchesSent} request${sent.batchesSent === 1 ? "" : "s"} (${(sent.bytesSent / 1024).toFixed(1)} KiB)`,
    `${sent.retried} retried, ${sent.failed} failed, ${dropped} dropped`,
  ].join(", ");
}

function countModelRuns(records: readonly RunRecord[]): number {
  return records.filter((record) => record.payload.kind === "model").length;
}

/** What the handler sent, by its own counters: everything queued was acknowledged, nothing failed or dropped. */
function deliveryCheck(backend: string, sent: readonly RunRecord[], { export: stats }: HandlerStats): DemoCheck {
  const dropped = stats.dropped.queueFull + stats.dropped.afterShutdown + stats.dropped.shutdown + stats.dropped.invalid;
  return {
    name: `${backend}: every record queued was acknowledged`,
    ok: sent.length > 0 && stats.enqueued === sent.length && stats.sent === sent.length && stats.failed === 0 && dropped === 0,
    detail: `${sent.length} recorded, ${stats.enqueued} queued, ${stats.sent} acknowledged, ${stats.failed} failed, ${dropped} dropped`,
  };
}

/** What arrived at the local receiver: every run the handler sent, each exactly once, nothing else. */
function arrivalCheck(backend: string, sentRunIds: readonly string[], arrivedRunIds: readonly string[]): DemoCheck {
  return {
    name: `${backend}: the receiver got every record exactly once`,
    ok: sentRunIds.length > 0 && sameMembers(sentRunIds, arrivedRunIds),
    detail: `${sentRunIds.length} sent, ${arrivedRunIds.length} arrived, ${new Set(arrivedRunIds).size} distinct`,
  };
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  const sortedA = [...a].sort();
  const sortedB = [...b].sort();
  return sortedA.length === sortedB.length && sortedA.every((value, index) => value === sortedB[index]);
}

if (import.meta.main) {
  await runExample(async (backends) => {
    const result = await main(backends);
    if (!result.ok) process.exitCode = 1;
  });
}
