/**
 * Content (AMQP 0-9-1 §4.2.6): the header frame after a Basic.Publish,
 * Deliver, Return or Get-Ok (body size and properties) and the body frames
 * that carry the body, of which only the first maxBodyBytes are kept.
 *
 * @module
 */
import type { Content, Pending } from "./state.ts";
import type { AmqpFields } from "./types.ts";
import { fieldTable, hex, printableText, Reader } from "./wire.ts";

/** A content announced by `target`'s method, waiting for its header frame. */
export function newContent(pending: Pending, target: AmqpFields, isResp: boolean): Content {
  return {
    pending,
    target,
    isResp,
    headerSeen: false,
    bodySize: 0,
    received: 0,
    preview: EMPTY,
    previewLen: 0,
    gap: false,
  };
}

const EMPTY = new Uint8Array(0);

/** Basic's properties in flag order, high bit first (§1.8 of the class reference); "" ends a flag word. */
const PROPS: readonly [string, "s" | "o" | "q" | "t"][] = [
  ["content_type", "s"],
  ["content_encoding", "s"],
  ["headers", "t"],
  ["delivery_mode", "o"],
  ["priority", "o"],
  ["correlation_id", "s"],
  ["reply_to", "s"],
  ["expiration", "s"],
  ["message_id", "s"],
  ["timestamp", "q"],
  ["type", "s"],
  ["user_id", "s"],
  ["app_id", "s"],
  ["cluster_id", "s"],
];

/**
 * Reads a content header's payload (`b[from..to)`) into `c`: false when it
 * is malformed. The headers table is shown as its number of entries.
 */
export function readHeader(c: Content, b: Uint8Array, from: number, to: number, maxBodyBytes: number): boolean {
  const r = new Reader(b, from, to);
  r.u16(); // class-id
  r.u16(); // weight
  const size = r.u64();
  const flags = r.u16();
  // More flag words follow while bit 0 is set; Basic's 14 properties all fit in the first.
  let word = flags;
  for (let guard = 0; (word & 1) === 1 && r.ok && guard < 4; guard++) word = r.u16();
  if (!r.ok || (word & 1) === 1) return false;
  const props: Record<string, string | number> = {};
  let any = false;
  for (let i = 0; i < PROPS.length && r.ok; i++) {
    if ((flags & (0x8000 >> i)) === 0) continue;
    const [name, type] = PROPS[i]!;
    any = true;
    if (type === "s") props[name] = r.shortstr();
    else if (type === "o") props[name] = r.u8();
    else if (type === "q") props[name] = r.u64();
    else props[name] = Object.keys(fieldTable(r, null) ?? {}).length;
  }
  if (!r.ok) return false;
  c.headerSeen = true;
  c.bodySize = size;
  c.target.body_size = size;
  if (any) c.target.properties = props;
  c.preview = new Uint8Array(Math.min(size, maxBodyBytes));
  return true;
}

/** Appends body bytes to the preview (nothing past it, nothing after a gap). */
export function takeBody(c: Content, b: Uint8Array): void {
  c.received += b.length;
  if (c.gap) return;
  const n = Math.min(b.length, c.preview.length - c.previewLen);
  if (n > 0) c.preview.set(b.subarray(0, n), c.previewLen), c.previewLen += n;
}

/** `len` body bytes were not captured. */
export function skipBody(c: Content, len: number): void {
  c.received += len;
  if (c.previewLen < c.preview.length) c.gap = true;
}

/** Whether the whole body has arrived. */
export function complete(c: Content): boolean {
  return c.headerSeen && c.received >= c.bodySize;
}

/** Sets the payload fields from the preview. */
export function setPayload(c: Content): void {
  const t = c.target;
  if (!c.headerSeen) return;
  const preview = c.preview.subarray(0, c.previewLen);
  const cut = c.previewLen < c.bodySize;
  const s = printableText(preview, cut);
  if (s !== null) t.payload = s;
  else t.payload_hex = hex(preview);
  if (cut) t.payload_truncated = true;
}
