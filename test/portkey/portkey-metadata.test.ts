import { describe, expect, it } from "vitest";
import { toPortkeyMetadata, toPortkeyMetadataValue, PORTKEY_SOURCE } from "../../src/portkey/portkey-metadata.ts";
import { boundedJson, truncateText } from "../../src/portkey/bounded-json.ts";
import { chatRecord, chainRecord } from "./run-records.ts";

describe("toPortkeyMetadata", () => {
  it("merges handler metadata, run metadata, tags, _source and trace fields, all strings", () => {
    const record = chatRecord({ metadata: { _user: "u-7", langgraph_step: 3, ls_temperature: 0, streaming: false, langgraph_path: ["__pregel_pull", "model_request"] }, tags: ["graph:step:3", "prod"] });
    const metadata = toPortkeyMetadata(record, { _user: "u-42", _environment: "prod" });
    expect(metadata).toEqual({
      _user: "u-7",
      _environment: "prod",
      langgraph_step: "3",
      ls_temperature: "0",
      streaming: "false",
      langgraph_path: '["__pregel_pull","model_request"]',
      tags: "graph:step:3,prod",
      _source: PORTKEY_SOURCE,
      traceId: "req-123",
      spanId: record.runId,
      parentSpanId: record.parentRunId,
      spanName: "ChatOpenAI",
    });
  });

  it("never lets run metadata override the trace fields", () => {
    const record = chainRecord({ metadata: { spanId: "forged", parentSpanId: "forged", traceId: "other", _source: "forged" } });
    const metadata = toPortkeyMetadata(record, {});
    expect(metadata.spanId).toBe(record.runId);
    expect(metadata.traceId).toBe("req-123");
    expect(metadata._source).toBe(PORTKEY_SOURCE);
    expect("parentSpanId" in metadata).toBe(false);
  });

  it("bounds every value to 128 characters, objects JSON-encoded, nulls skipped", () => {
    const record = chainRecord({
      metadata: { long: "x".repeat(500), nested: { deep: { list: Array.from({ length: 1000 }, (_, i) => i) } }, none: null, emoji: `${"a".repeat(126)}😀😀` },
      tags: Array.from({ length: 100 }, (_, i) => `tag-${i}`),
      name: "n".repeat(300),
    });
    const metadata = toPortkeyMetadata(record, {});
    for (const value of Object.values(metadata)) {
      expect(typeof value).toBe("string");
      expect(value.length).toBeLessThanOrEqual(128);
    }
    expect(metadata.long).toBe(`${"x".repeat(127)}…`);
    expect(metadata.nested!.startsWith('{"deep":{"list":[0,1,2,')).toBe(true);
    expect(metadata.nested!.endsWith("…")).toBe(true);
    expect("none" in metadata).toBe(false);
    // A surrogate pair is never split.
    expect(metadata.emoji).toBe(`${"a".repeat(126)}…`);
  });
});

describe("metadata encoding helpers", () => {
  it("encodes JSON exactly like JSON.stringify while under the limit", () => {
    const value = { s: 'quote " back \\ nl \n tab \t ctl \u0001 ls \u2028 lone \ud800 x \udc00', n: [1, 2.5, -3e-7, null, true], o: {}, a: [], u: "ü😀" };
    expect(boundedJson(value, 10_000)).toBe(JSON.stringify(value));
    expect(JSON.parse(boundedJson(value, 10_000))).toEqual(value);
  });

  it("stops at the limit however large the value", () => {
    const huge = { list: Array.from({ length: 100_000 }, () => "y".repeat(100)) };
    const text = boundedJson(huge, 50);
    expect(text).toHaveLength(50);
    expect(text.endsWith("…")).toBe(true);
    expect(boundedJson("z".repeat(1_000_000), 10)).toBe(`"zzzzzzzz…`);
  });

  it("prints scalars and cuts strings", () => {
    expect(toPortkeyMetadataValue(42)).toBe("42");
    expect(toPortkeyMetadataValue(true)).toBe("true");
    expect(toPortkeyMetadataValue("short")).toBe("short");
    expect(truncateText("abc", 3)).toBe("abc");
    expect(truncateText("abcd", 3)).toBe("ab…");
  });
});
