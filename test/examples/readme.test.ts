/**
 * The README's option tables against the JSDoc they document: every option of each options
 * interface has a row, no row names an option that does not exist, and each row's default is the
 * `@default` of the JSDoc (formatting backticks aside). Also the setup commands and the env vars.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENV } from "../../src/env.ts";

const root = new URL("../../", import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), "utf8");
const readme = read("README.md");

/** Options of one interface: name → the text after `@default`, whitespace collapsed. */
function jsdocDefaults(path: string, interfaceName: string): Map<string, string> {
  const source = read(path);
  const start = source.indexOf(`export interface ${interfaceName} `);
  expect(start, `${interfaceName} in ${path}`).toBeGreaterThanOrEqual(0);
  const body = source.slice(start, source.indexOf("\n}", start));
  const options = new Map<string, string>();
  for (const match of body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*\n\s*(\w+)\?:/g)) {
    const comment = match[1]!.replace(/^\s*\*\s?/gm, " ").replace(/\s+/g, " ").trim();
    const fallback = /@default (.*)$/.exec(comment);
    options.set(match[2]!, fallback === null ? "" : fallback[1]!.trim());
  }
  return options;
}

/** Rows of the table under `### title`: option → default cell. */
function readmeTable(title: string): Map<string, string> {
  const start = readme.indexOf(`### ${title}\n`);
  expect(start, `README section "${title}"`).toBeGreaterThanOrEqual(0);
  const next = readme.slice(start + 4).search(/\n#{2,3} /);
  const section = next < 0 ? readme.slice(start) : readme.slice(start, start + 4 + next);
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\| `(\w+)` \| (.*?) \| .* \|$/gm)) rows.set(match[1]!, match[2]!.trim());
  return rows;
}

const unformatted = (text: string): string => text.replaceAll("`", "");

function expectTableMatches(title: string, expected: Map<string, string>): void {
  const rows = readmeTable(title);
  expect([...rows.keys()].sort(), `options listed under "${title}"`).toEqual([...expected.keys()].sort());
  for (const [option, fallback] of expected) {
    expect(unformatted(rows.get(option)!), `default of ${option} under "${title}"`).toBe(unformatted(fallback));
  }
}

function without(options: Map<string, string>, name: string): Map<string, string> {
  const copy = new Map(options);
  copy.delete(name);
  return copy;
}

describe("README", () => {
  it("starts with the setup commands: install, demo, test", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    expect(firstBlock.split("\n").map((line) => line.split("#")[0]!.trim()).filter(Boolean)).toEqual(["npm install", "npm run demo", "npm test"]);
  });

  it("documents every Portkey option with its JSDoc default", () => {
    expectTableMatches("Portkey options", jsdocDefaults("src/portkey/portkey-options.ts", "PortkeyCallbackHandlerOptions"));
  });

  it("documents every PromptLayer option with its JSDoc default", () => {
    expectTableMatches("PromptLayer options", jsdocDefaults("src/promptlayer/promptlayer-options.ts", "PromptLayerCallbackHandlerOptions"));
  });

  it("documents every tracing option with its JSDoc default (onError as the handlers take it)", () => {
    const tracing = without(jsdocDefaults("src/core/tracing-options.ts", "TracingOptions"), "onError");
    const handler = jsdocDefaults("src/handlers/exporting-callback-handler.ts", "ExportingHandlerOptions");
    expectTableMatches("Tracing options (both handlers)", new Map([...tracing, ...handler]));
  });

  it("documents every export option with its JSDoc default", () => {
    expectTableMatches("Export options (both handlers)", without(jsdocDefaults("src/export/export-options.ts", "ExportOptions"), "onError"));
  });

  it("lists every environment variable the package reads", () => {
    const start = readme.indexOf("### Environment variables\n");
    expect(start).toBeGreaterThanOrEqual(0);
    const section = readme.slice(start, readme.indexOf("\n## ", start));
    const listed = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect(listed).toEqual(Object.values(ENV));
  });
});
