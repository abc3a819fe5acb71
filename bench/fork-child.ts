/**
 * Runs one job in a fresh child process (`child.ts`, forked with `--expose-gc` on this same Node) and
 * returns its answer. The child's console output is captured, not interleaved with the table: it is
 * returned (deduplicated, capped) so the report can show what a tracer printed.
 */
import { fork } from "node:child_process";
import type { ChildAnswer, ChildJob } from "./child.ts";

export interface ForkResult {
  answer: ChildAnswer;
  /** Distinct lines the child printed (first 20), with how often each appeared. */
  output: { line: string; count: number }[];
  wallMs: number;
}

let profileDir: string | undefined;

/** From now on, every child writes a V8 CPU profile (`.cpuprofile`, open in Chrome DevTools) into `dir`. */
export function setProfileDir(dir: string): void {
  profileDir = dir;
}

/** Extra environment: keep every vendor's ambient configuration out of the measured process. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(LANGSMITH_|LANGCHAIN_|LANGFUSE_|PORTKEY_|PROMPTLAYER_|OTEL_)/.test(key)) continue;
    env[key] = value;
  }
  env.LANGSMITH_TRACING = "false";
  env.LANGCHAIN_TRACING_V2 = "false";
  // the default LangSmith client LangChain creates for awaitAllCallbacks() must not point anywhere real
  env.LANGSMITH_ENDPOINT = "http://127.0.0.1:9";
  return env;
}

let profileCounter = 0;

function profileName(job: ChildJob): string {
  const what = job.kind === "overhead" ? job.tracer : job.kind === "memory" ? `${job.job.tracer}-${job.job.scenario}` : job.job.mode;
  profileCounter += 1;
  return `${String(profileCounter).padStart(3, "0")}-${job.kind}-${what}.cpuprofile`;
}

export function forkChild(job: ChildJob, timeoutMs: number): Promise<ForkResult> {
  const started = performance.now();
  const child = fork(new URL("./child.ts", import.meta.url), [], {
    execArgv: [
      "--expose-gc",
      "--disable-warning=ExperimentalWarning",
      ...(profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${profileName(job)}`]),
    ],
    env: childEnv(),
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const lines = new Map<string, number>();
  const collect = (chunk: Buffer): void => {
    for (const raw of chunk.toString("utf8").split("\n")) {
      const line = raw.trimEnd();
      if (line === "") continue;
      const key = line.length > 300 ? `${line.slice(0, 300)}…` : line;
      if (lines.size < 20 || lines.has(key)) lines.set(key, (lines.get(key) ?? 0) + 1);
    }
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);

  return new Promise<ForkResult>((resolve) => {
    let answer: ChildAnswer | undefined;
    const timer = setTimeout(() => {
      answer ??= { ok: false, error: `timed out after ${timeoutMs} ms`, refused: { count: 0, hosts: [] } };
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("message", (message: ChildAnswer) => {
      answer ??= message;
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({
        answer: answer ?? { ok: false, error: `child exited (code ${String(code)}, signal ${String(signal)}) without an answer`, refused: { count: 0, hosts: [] } },
        output: [...lines].map(([line, count]) => ({ line, count })),
        wallMs: performance.now() - started,
      });
    });
    child.send(job);
  });
}
