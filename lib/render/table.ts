/**
 * The human-readable table: one aligned row per record.
 *
 * @module
 */
import type { L7Record } from "../record.ts";
import { summarize } from "../protocols/registry.ts";

const COLUMNS: [string, number][] = [
  ["TIME", 15],
  ["PID", 7],
  ["COMM", 15],
  ["SIDE", 6],
  ["PROTO", 5],
  ["REMOTE", 21],
  ["LATENCY", 10],
  ["REQ", 7],
  ["RESP", 7],
];

function cell(text: string, width: number, right = false): string {
  if (text.length > width) return text.slice(0, width - 1) + "…";
  return right ? text.padStart(width) : text.padEnd(width);
}

/** The header row. */
export function tableHeader(): string {
  return COLUMNS.map(([name, w], i) => cell(name, w, i >= 6)).join(" ") +
    " SUMMARY\n";
}

/** Formats a latency in ms as a short human figure. */
export function formatLatency(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${ms.toFixed(2)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

/** One row for a record. */
export function tableRow(r: L7Record): string {
  const remote = r.remote_ip.includes(":") ? `[${r.remote_ip}]:${r.remote_port}` : `${r.remote_ip}:${r.remote_port}`;
  const cells = [
    r.ts.slice(11, 26),
    String(r.pid),
    r.comm,
    r.side,
    r.protocol,
    remote,
    formatLatency(r.latency_ms),
    String(r.req_bytes),
    String(r.resp_bytes),
  ];
  return cells.map((c, i) => cell(c, COLUMNS[i]![1], i >= 6)).join(" ") + " " +
    summarize(r.protocol, r.req, r.resp) + "\n";
}
