import "./fail-on-unhandled.ts";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startHttpSink, until, type HttpSink, type SinkRequest } from "../support/http-sink.ts";

const fixture = fileURLToPath(new URL("./fixtures/idle-exporter.ts", import.meta.url));
let server: HttpSink | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Runs the fixture; resolves with its exit code and output, or fails if it is still alive after `limitMs`. */
function runFixture(url: string, mode: string, limitMs = 8000): Promise<{ code: number | null; stdout: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [fixture, url, mode], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the process did not exit within ${limitMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, limitMs);
    child.on("exit", (code) => {
      clearTimeout(killer);
      if (code !== 0) reject(new Error(`exit code ${code}; stderr: ${stderr}`));
      else resolve({ code, stdout, ms: performance.now() - started });
    });
  });
}

const ids = (requests: SinkRequest[]): string[] => requests.flatMap((r) => (r.json() as Array<{ id: string }>).map((x) => x.id));

describe("a process with an idle exporter", () => {
  it("exits on its own with a kept-alive socket and an armed interval timer", async () => {
    server = await startHttpSink();
    const run = await runFixture(server.url, "idle");
    expect(run.stdout).toContain("idle");
    expect(ids(server.requests)).toEqual(["first"]); // the pending record waits for an interval that never comes
  });

  it("exits on its own while a batch waits 30 s to retry", async () => {
    server = await startHttpSink(() => ({ status: 503, headers: { "retry-after": "30" } }));
    const run = await runFixture(server.url, "retrying");
    expect(run.ms).toBeLessThan(8000);
    await until(() => server!.requests.length === 1);
    expect(ids(server.requests)).toEqual(["retrying"]);
  });

  it("with flushOnExit sends what is pending at beforeExit, then exits", async () => {
    server = await startHttpSink();
    const run = await runFixture(server.url, "flush-on-exit");
    expect(run.stdout).toContain("idle");
    expect(ids(server.requests)).toEqual(["first", "pending"]);
  });
});
