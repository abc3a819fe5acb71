/**
 * The one place this package reads environment variables. Each name is listed here so the README's
 * tables and the code cannot drift apart.
 */
export const ENV = {
  PORTKEY_API_KEY: "PORTKEY_API_KEY",
  PORTKEY_BASE_URL: "PORTKEY_BASE_URL",
  PROMPTLAYER_API_KEY: "PROMPTLAYER_API_KEY",
  PROMPTLAYER_BASE_URL: "PROMPTLAYER_BASE_URL",
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Returns the variable's value, or undefined when it is unset or blank. */
export function readEnv(name: EnvName): string | undefined {
  const value = typeof process === "undefined" ? undefined : process.env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}
