/**
 * Realistic wire records for the shipping benchmarks: a Portkey log of one chat-model call (OpenAI-shaped
 * request and response, usage, trace fields in metadata and at the top level), padded with a varied
 * conversation to a target size. Deterministic per index, so every process builds the same records.
 */

/** A Portkey log object as our Portkey mapping produces it (the shape of the wire page). */
export type SampleRecord = Record<string, unknown>;

const WORDS = ["tool", "agent", "prompt", "token", "batch", "trace", "span", "retry", "queue", "model", "chain", "parser"];

function sentence(seed: number, length: number): string {
  let out = "";
  let x = seed * 2654435761 >>> 0;
  while (out.length < length) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += `${WORDS[x % WORDS.length]} `;
  }
  return out.slice(0, length);
}

function hex(seed: number, length: number): string {
  let out = "";
  let x = (seed + 1) * 40503;
  while (out.length < length) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += x.toString(16).padStart(8, "0");
  }
  return out.slice(0, length);
}

/** Record number `i`, about `targetBytes` of JSON. */
export function sampleRecord(i: number, targetBytes: number): SampleRecord {
  const traceId = `${hex(i >> 4, 8)}-${hex(i >> 4, 4)}-7${hex(i, 3)}-8${hex(i, 3)}-${hex(i >> 4, 12)}`;
  const spanId = `${hex(i, 8)}-${hex(i + 7, 4)}-7${hex(i + 3, 3)}-9${hex(i + 5, 3)}-${hex(i + 9, 12)}`;
  const startTime = 1_763_830_000 + i / 1000;
  const fixedBytes = 1040; // the envelope below without message text, measured once
  const textBytes = Math.max(0, targetBytes - fixedBytes);
  const user = sentence(i, Math.floor(textBytes * 0.6));
  const answer = sentence(i + 1, textBytes - user.length);
  return {
    request: {
      url: "https://api.openai.com/v1/chat/completions",
      method: "POST",
      provider: "openai",
      headers: {},
      body: {
        model: "gpt-4o-mini",
        temperature: 0,
        messages: [
          { role: "system", content: "You are a helpful assistant." },
          { role: "user", content: user },
        ],
      },
    },
    response: {
      status: 200,
      headers: {},
      body: {
        id: `chatcmpl-${hex(i, 24)}`,
        object: "chat.completion",
        created: Math.floor(startTime),
        model: "gpt-4o-mini",
        choices: [{ index: 0, message: { role: "assistant", content: answer }, finish_reason: "stop" }],
        usage: { prompt_tokens: 142 + (i % 50), completion_tokens: 19 + (i % 30), total_tokens: 161 + (i % 80) },
      },
      response_time: 800 + (i % 400),
      streamingMode: false,
    },
    metadata: {
      traceId,
      spanId,
      spanName: "ChatOpenAI",
      _source: "langchain-llmops",
      run_type: "chat_model",
      ls_provider: "openai",
      ls_model_name: "gpt-4o-mini",
      tags: "seq:step:2",
    },
    trace_id: traceId,
    span_id: spanId,
    span_name: "ChatOpenAI",
    start_time: startTime,
  };
}
