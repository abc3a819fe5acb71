/**
 * Nothing a benchmark traces may leave the machine. Every TCP client in Node (http, undici/fetch,
 * the OTLP exporter) ends in `net.Socket.prototype.connect`; this guard refuses any host other than
 * the loopback and counts the attempt, so the report can show "0 outside connections" as a fact.
 */
import net from "node:net";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
let refused = 0;
const refusedHosts = new Set<string>();

function hostOf(args: unknown[]): string | undefined {
  const first = args[0];
  if (Array.isArray(first)) return hostOf(first);
  if (typeof first === "object" && first !== null) {
    const options = first as { host?: unknown; path?: unknown };
    if (typeof options.path === "string") return undefined; // a Unix socket / pipe
    return typeof options.host === "string" ? options.host : "localhost";
  }
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    return typeof args[1] === "string" ? args[1] : "localhost";
  }
  return undefined;
}

/** Installs the guard (idempotent). */
export function installNetGuard(): void {
  const proto = net.Socket.prototype as unknown as { connect: (...args: unknown[]) => unknown; __benchGuard?: true };
  if (proto.__benchGuard) return;
  const original = proto.connect;
  proto.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const host = hostOf(args);
    if (host !== undefined && !LOOPBACK.has(host)) {
      refused += 1;
      refusedHosts.add(host);
      process.nextTick(() => this.destroy(new Error(`bench net guard: refused connection to ${host}`)));
      return this;
    }
    return original.apply(this, args);
  };
  proto.__benchGuard = true;
}

/** Connections the guard refused so far, and to which hosts. */
export function refusedConnections(): { count: number; hosts: string[] } {
  return { count: refused, hosts: [...refusedHosts] };
}
