/**
 * From a decoded control line (and the bytes of its body) to a record's
 * `req` or `resp`.
 *
 * @module
 */
import { Stream } from "../common/parser.ts";
import { hex, printableText, text } from "./bytes.ts";
import type { Control } from "./control.ts";
import { decodeHeaders } from "./headers.ts";
import { connectFields, infoFields } from "./json.ts";
import type { NatsRequest, NatsResponse } from "./types.ts";

/** An -ERR's message without the single quotes the server puts around it. */
function errorText(b: Uint8Array, c: Control): string {
  let from = c.restFrom, to = c.restTo;
  while (to > from && (b[to - 1] === 0x20 || b[to - 1] === 0x09)) to--;
  if (to - from >= 2 && b[from] === 0x27 && b[to - 1] === 0x27) from++, to--;
  return text(b, from, to);
}

/** The answer a line is (PONG, +OK, -ERR), or null when it starts a record. */
export function answerOf(b: Uint8Array, c: Control, stream: Stream): NatsResponse | null {
  if (c.op === "PONG" || c.op === "+OK") return { op: c.op };
  if (c.op === "-ERR" && stream === Stream.Response) return { op: "-ERR", error: errorText(b, c) };
  return null;
}

/** The `req` of a line that starts a record; for messages, without its payload fields yet. */
export function requestOf(b: Uint8Array, c: Control, stream: Stream): NatsRequest {
  const req: NatsRequest = { op: c.op, sender: stream === Stream.Request ? "client" : "server" };
  if (c.subject) req.subject = c.subject;
  if (c.replyTo) req.reply_to = c.replyTo;
  if (c.queue) req.queue = c.queue;
  if (c.sid) req.sid = c.sid;
  if (c.maxMsgs >= 0) req.max_msgs = c.maxMsgs;
  if (c.op === "CONNECT") req.connect = connectFields(b.subarray(c.restFrom, c.restTo)) ?? {};
  if (c.op === "INFO") req.info = infoFields(b.subarray(c.restFrom, c.restTo)) ?? {};
  return req;
}

/** Sets an HPUB's or HMSG's header fields from its whole header block. */
export function setHeaders(req: NatsRequest, block: Uint8Array, size: number): void {
  req.headers_size = size;
  const h = decodeHeaders(block, 0, block.length);
  if (!h) return;
  if (h.status) req.status = h.status;
  if (h.description) req.description = h.description;
  req.headers = h.headers;
}

/** Sets the payload fields from its first bytes (`preview`) and its size. */
export function setPayload(req: NatsRequest, preview: Uint8Array, size: number, gap = false): void {
  req.payload_size = size;
  const cut = preview.length < size;
  if (preview.length > 0 || size === 0) {
    const t = printableText(preview, cut);
    if (t !== null) req.payload = t;
    else req.payload_hex = hex(preview);
  }
  if (cut || gap) req.payload_truncated = true;
}
