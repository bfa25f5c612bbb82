/**
 * One line per AMQP record for the table view, e.g.
 * `Queue.Declare q1 ch1 -> Declare-Ok 3 msgs 1 consumers` or
 * `Basic.Publish ex/rk (12 B) ch1 -> Basic.Ack 1`.
 *
 * @module
 */
import type { AmqpFields, AmqpRequest } from "./types.ts";

function what(f: AmqpFields): string {
  const parts: string[] = [];
  if (f.routing_key !== undefined) parts.push(`${f.exchange || '""'}/${f.routing_key}`);
  else if (f.exchange !== undefined) parts.push(f.exchange || '""');
  if (f.queue !== undefined) parts.push(f.queue || '""');
  if (f.source !== undefined) parts.push(`${f.source}->${f.destination}`);
  if (f.virtual_host !== undefined) parts.push(f.virtual_host);
  if (f.consumer_tag !== undefined && f.queue === undefined) parts.push(f.consumer_tag);
  if (f.delivery_tag !== undefined) parts.push(`#${f.delivery_tag}`);
  if (f.reply_code !== undefined) parts.push(`${f.reply_code} ${f.reply_text ?? ""}`.trim());
  if (f.message_count !== undefined) parts.push(`${f.message_count} msgs`);
  if (f.consumer_count !== undefined) parts.push(`${f.consumer_count} consumers`);
  if (f.body_size !== undefined) parts.push(`(${f.body_size} B)`);
  return parts.join(" ");
}

/** The summary of an AMQP record. */
export function summarize(req: unknown, resp: unknown): string {
  const q = req as AmqpRequest | null;
  if (!q || typeof q.method !== "string") return "";
  const from = q.sender === "server" ? " (from server)" : "";
  const head = [`${q.method}${from}`, what(q), `ch${q.channel}`].filter((s) => s !== "").join(" ");
  const r = resp as AmqpFields | null;
  if (!r || typeof r.method !== "string") return head;
  const tail = what(r);
  return `${head} -> ${r.method}${tail ? ` ${tail}` : ""}`;
}
