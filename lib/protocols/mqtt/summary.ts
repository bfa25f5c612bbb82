/**
 * One line per MQTT record for the table view, e.g.
 * `PUBLISH sensors/t qos1 (12 B) -> PUBACK success`.
 *
 * @module
 */
import type { MqttRequest, MqttResponse } from "./types.ts";

function request(q: MqttRequest): string {
  const from = q.sender === "server" ? " (from server)" : "";
  switch (q.type) {
    case "CONNECT":
      return `CONNECT ${q.client_id || '""'} v${q.protocol_version}`;
    case "PUBLISH":
      return `PUBLISH${from} ${q.topic} qos${q.qos} (${q.payload_size ?? 0} B)`;
    case "SUBSCRIBE":
      return `SUBSCRIBE ${(q.subscriptions ?? []).map((s) => `${s.topic}:${s.qos}`).join(",")}`;
    case "UNSUBSCRIBE":
      return `UNSUBSCRIBE ${(q.topics ?? []).join(",")}`;
    case "DISCONNECT":
    case "AUTH":
      return `${q.type}${from}${q.reason ? ` ${q.reason}` : ""}`;
    default:
      return q.type;
  }
}

/** The summary of an MQTT record. */
export function summarize(req: unknown, resp: unknown): string {
  const q = req as MqttRequest | null;
  if (!q || typeof q.type !== "string") return "";
  const r = resp as MqttResponse | null;
  if (!r || typeof r.type !== "string") return request(q);
  return `${request(q)} -> ${r.type}${r.reason ? ` ${r.reason}` : ""}`;
}
