// Imported by every export test file: any unhandled rejection or uncaught exception fails the test
// in which it happened (vitest also fails the run on them; this names the test).
import { afterAll, afterEach, beforeAll, expect } from "vitest";

const seen: unknown[] = [];
/** The real setImmediate, captured before any test fakes timers. */
const realSetImmediate = globalThis.setImmediate;
const record = (reason: unknown): void => {
  seen.push(reason);
};

beforeAll(() => {
  process.on("unhandledRejection", record);
  process.on("uncaughtException", record);
});

afterEach(async () => {
  // Let rejections from the test's last microtasks surface before checking.
  await new Promise<void>((resolve) => realSetImmediate(resolve));
  expect(seen.splice(0)).toEqual([]);
});

afterAll(() => {
  process.off("unhandledRejection", record);
  process.off("uncaughtException", record);
});
