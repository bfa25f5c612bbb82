/**
 * Helpers of the memcached end-to-end tests: the raw-socket client, table
 * lines of records with run-dependent numbers masked, and both sides of a
 * client's connections.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import { summarize } from "../../lib/protocols/memcached/mod.ts";
import { recordsOf, type Server } from "./harness.ts";
import { byTime, runClient } from "./daemons.ts";

const CLIENT = new URL("./clients/memcached_client.py", import.meta.url).pathname;

/** One step of memcached_client.py: what it sent and what it got back. */
export interface Step {
  sent: Uint8Array;
  got: Uint8Array;
}

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));

/** Runs a memcached_client.py session; its pid and steps. */
export async function session(name: string, port: number): Promise<{ pid: number; steps: Step[] }> {
  const out = await runClient("python3", [CLIENT, name, "127.0.0.1", String(port)]);
  assert.equal(out.code, 0, out.stderr);
  const steps = out.stdout.trim().split("\n").map((l) => {
    const j = JSON.parse(l) as { sent: string; got: string };
    return { sent: hex(j.sent), got: hex(j.got) };
  });
  return { pid: out.pid, steps };
}

/** The table line of a record, with the values that change between runs (cas uniques, access times) masked. */
export function line(r: L7Record): string {
  return summarize(r.req, r.resp).replace(/\b(c|cas=|la=)\d+/g, "$1#");
}

/** Records of `pid` (client side) and of memcached for the same connections, in time order. */
export function bothSides(records: L7Record[], pid: number, server: Server): [L7Record[], L7Record[]] {
  const client = byTime(recordsOf(records, pid, "client"));
  const ports = new Set(client.map((r) => r.local_port));
  const srv = byTime(recordsOf(records, server.pid, "server").filter((r) => ports.has(r.remote_port)));
  return [client, srv];
}

export function assertCommon(r: L7Record, side: "client" | "server", pid: number, port: number): void {
  assert.equal(r.protocol, "memcached");
  assert.equal(r.side, side);
  assert.equal(r.pid, pid);
  assert.equal(r.tls, false);
  assert.equal(side === "client" ? r.remote_port : r.local_port, port);
  if (r.resp === null) assert.equal(r.latency_ms, null);
  else assert.ok(r.latency_ms !== null && r.latency_ms > 0 && r.latency_ms < 5000, `latency ${r.latency_ms}`);
}
