/**
 * Replaces the inputs and/or outputs of a record's payload by a `"[hidden]"` marker (message lists
 * become empty), for `hideInputs` / `hideOutputs`. Ids, timings, usage, model and errors stay.
 */
import type { RunPayload, RunRecord } from "./run-record.ts";
import { deepFreeze } from "./build-record.ts";

/** What hidden values are replaced with. */
export const HIDDEN = "[hidden]";

function hidePayload(payload: RunPayload, inputs: boolean, outputs: boolean): RunPayload {
  switch (payload.kind) {
    case "model": {
      const { prompts, ...rest } = payload;
      return {
        ...rest,
        inputMessages: inputs ? [] : payload.inputMessages,
        ...(prompts === undefined ? {} : { prompts: inputs ? [] : prompts }),
        outputMessages: outputs ? [] : payload.outputMessages,
      };
    }
    case "chain":
      return {
        ...payload,
        inputs: inputs ? HIDDEN : payload.inputs,
        ...(payload.outputs === undefined ? {} : { outputs: outputs ? HIDDEN : payload.outputs }),
        ...(payload.agentActions && inputs ? { agentActions: payload.agentActions.map((a) => ({ ...a, toolInput: HIDDEN, log: HIDDEN })) } : {}),
        ...(payload.agentFinish && outputs ? { agentFinish: { returnValues: HIDDEN, log: HIDDEN } } : {}),
      };
    case "tool":
      return {
        ...payload,
        input: inputs ? HIDDEN : payload.input,
        ...(payload.output === undefined ? {} : { output: outputs ? HIDDEN : payload.output }),
      };
    case "retriever":
      return {
        ...payload,
        query: inputs ? HIDDEN : payload.query,
        ...(payload.documents === undefined ? {} : { documents: outputs ? [] : payload.documents }),
      };
  }
}

/** A frozen copy of `record` with inputs and/or outputs hidden (the record itself when neither). */
export function hideRecord(record: RunRecord, inputs: boolean, outputs: boolean): RunRecord {
  if (!inputs && !outputs) return record;
  return deepFreeze({
    ...record,
    payload: hidePayload(record.payload, inputs, outputs),
    ...(inputs ? { inputsHidden: true } : {}),
    ...(outputs ? { outputsHidden: true } : {}),
  });
}
