/**
 * One line per NATS record for the table view, e.g.
 * `PUB orders.new (12 B) -> +OK` or `MSG (from server) orders.new sid 1 (12 B)`.
 *
 * @module
 */
import type { NatsRequest, NatsResponse } from "./types.ts";

function request(q: NatsRequest): string {
  const from = q.sender === "server" && q.op !== "MSG" && q.op !== "HMSG" && q.op !== "INFO" && q.op !== "-ERR"
    ? " (from server)"
    : "";
  const reply = q.reply_to ? ` reply ${q.reply_to}` : "";
  switch (q.op) {
    case "CONNECT":
      return `CONNECT ${q.connect?.name ?? '""'} ${q.connect?.lang ?? "?"} ${q.connect?.version ?? "?"}`;
    case "INFO":
      return `INFO ${q.info?.server_name ?? q.info?.server_id ?? "?"} ${q.info?.version ?? "?"}`;
    case "PUB":
    case "HPUB":
      return `${q.op} ${q.subject}${reply} (${q.payload_size ?? 0} B)`;
    case "MSG":
    case "HMSG":
      return `${q.op} ${q.subject} sid ${q.sid}${reply} (${q.payload_size ?? 0} B)`;
    case "SUB":
      return `SUB ${q.subject}${q.queue ? ` queue ${q.queue}` : ""} sid ${q.sid}`;
    case "UNSUB":
      return `UNSUB sid ${q.sid}${q.max_msgs !== undefined ? ` after ${q.max_msgs}` : ""}`;
    case "-ERR":
      return `-ERR ${q.error ?? ""}`;
    default:
      return `${q.op}${from}`;
  }
}

/** The summary of a NATS record. */
export function summarize(req: unknown, resp: unknown): string {
  const q = req as NatsRequest | null;
  if (!q || typeof q.op !== "string") return "";
  const r = resp as NatsResponse | null;
  if (!r || typeof r.op !== "string") return request(q);
  return `${request(q)} -> ${r.op}${r.error ? ` ${r.error}` : ""}`;
}
