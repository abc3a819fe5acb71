/**
 * Reads `value[key]` from something LangChain or a user handed over, where a getter or a proxy
 * trap may throw. Returns undefined for non-objects and on any failure. Never throws.
 */
export function readField(value: unknown, key: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
