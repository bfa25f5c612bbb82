/**
 * The memcached binary protocol: 24-byte headers (magic 0x80 for requests,
 * 0x81 for responses), then extras, key and value, whose lengths the header
 * gives. A connection speaks it when its first byte is 0x80, as memcached
 * itself decides.
 *
 * Headers, extras and keys are decoded whole; values are consumed piece by
 * piece like text data blocks. Responses echo their request's opcode and
 * opaque, so a quiet request (`GetQ` and the other `…Q` opcodes: a miss,
 * or a success, is not answered) is passed over when the response that
 * comes carries another opcode, opaque or key.
 *
 * @module
 */

import { text } from "./bytes.ts";
import { MAX_KEYS, type McRequest, type McResponse } from "./types.ts";

/** Magic bytes. */
export const REQ_MAGIC = 0x80;
export const RESP_MAGIC = 0x81;
/** Header length. */
export const HEADER = 24;
/** Longest extras + key accepted before the value (memcached keys are at most 250 bytes). */
export const MAX_HEAD_BODY = 1024;

/** Opcode names (lower-case, as the text commands), by opcode. */
const OPCODES: readonly string[] = [
  "get",
  "set",
  "add",
  "replace",
  "delete",
  "incr",
  "decr",
  "quit",
  "flush",
  "getq",
  "noop",
  "version",
  "getk",
  "getkq",
  "append",
  "prepend",
  "stat",
  "setq",
  "addq",
  "replaceq",
  "deleteq",
  "incrq",
  "decrq",
  "quitq",
  "flushq",
  "appendq",
  "prependq",
  "verbosity",
  "touch",
  "gat",
  "gatq",
  "",
  "sasl_list_mechs",
  "sasl_auth",
  "sasl_step",
  "gatk",
  "gatkq",
];

/** Quiet opcodes: getq, getkq, setq … prependq, gatq, gatkq. */
export function isQuiet(op: number): boolean {
  return op === 0x09 || op === 0x0d || (op >= 0x11 && op <= 0x1a) || op === 0x1e || op === 0x24;
}

/** True when `op` is an opcode memcached 1.6 answers. */
export function knownOpcode(op: number): boolean {
  return op < OPCODES.length && OPCODES[op] !== "";
}

/** Response status names, by status code. */
const STATUS: Readonly<Record<number, string>> = {
  0x00: "OK",
  0x01: "NOT_FOUND",
  0x02: "EXISTS",
  0x03: "TOO_LARGE",
  0x04: "INVALID_ARGUMENTS",
  0x05: "NOT_STORED",
  0x06: "NON_NUMERIC",
  0x07: "NOT_MY_VBUCKET",
  0x08: "AUTH_ERROR",
  0x09: "AUTH_CONTINUE",
  0x81: "UNKNOWN_COMMAND",
  0x82: "OUT_OF_MEMORY",
  0x83: "NOT_SUPPORTED",
  0x84: "INTERNAL_ERROR",
  0x85: "BUSY",
  0x86: "TEMPORARY_FAILURE",
};

/** A decoded header. */
export interface BinHeader {
  magic: number;
  opcode: number;
  keyLen: number;
  extLen: number;
  /** Request: vbucket; response: status. */
  status: number;
  bodyLen: number;
  opaque: number;
  cas: number | string;
}

function u64(v: DataView, at: number): number | string {
  const n = v.getBigUint64(at);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

/**
 * The header at `buf[0, 24)` when it is one of `magic` with sane lengths
 * (data type raw, extras and key within the body), else null.
 */
export function header(buf: Uint8Array, magic: number): BinHeader | null {
  if (buf.length < HEADER || buf[0] !== magic || buf[5] !== 0) return null;
  const v = new DataView(buf.buffer, buf.byteOffset, HEADER);
  const h: BinHeader = {
    magic,
    opcode: buf[1]!,
    keyLen: v.getUint16(2),
    extLen: buf[4]!,
    status: v.getUint16(6),
    bodyLen: v.getUint32(8),
    opaque: v.getUint32(12),
    cas: 0,
  };
  if (h.extLen + h.keyLen > h.bodyLen || h.extLen + h.keyLen > MAX_HEAD_BODY || h.bodyLen > (1 << 30)) return null;
  if (magic === REQ_MAGIC && !knownOpcode(h.opcode)) return null;
  h.cas = u64(v, 16);
  return h;
}

/** The request of a header and its extras and key (`body` starts after the header). */
export function binRequest(h: BinHeader, body: Uint8Array, maxLen: number): McRequest {
  const command = OPCODES[h.opcode] ?? `opcode_0x${h.opcode.toString(16)}`;
  const req: McRequest = { command, keys: [], binary: true, opaque: String(h.opaque) };
  if (h.keyLen > 0) {
    const key = text(body, h.extLen, h.extLen + Math.min(h.keyLen, maxLen));
    req.keys.push(key);
    if (h.keyLen > maxLen) req.keys_truncated = true;
  }
  const v = new DataView(body.buffer, body.byteOffset, h.extLen);
  const base = command.replace(/q$/, "");
  if ((base === "set" || base === "add" || base === "replace") && h.extLen === 8) {
    req.flags = v.getUint32(0);
    req.exptime = v.getUint32(4);
  } else if ((base === "incr" || base === "decr") && h.extLen === 20) {
    req.delta = u64(v, 0);
    req.exptime = v.getUint32(16);
  } else if ((base === "touch" || base === "gat" || base === "gatk" || base === "flush") && h.extLen === 4) {
    req.exptime = v.getUint32(0);
  } else if (base === "verbosity" && h.extLen === 4) {
    req.args = [String(v.getUint32(0))];
  }
  const valueLen = h.bodyLen - h.extLen - h.keyLen;
  if (
    valueLen > 0 || base === "set" || base === "add" || base === "replace" || base === "append" || base === "prepend"
  ) {
    req.value_size = valueLen;
  }
  if (h.cas !== 0 && base !== "incr" && base !== "decr") req.cas = h.cas;
  if (isQuiet(h.opcode)) req.quiet = true;
  if (req.keys.length > MAX_KEYS) req.keys.length = MAX_KEYS;
  return req;
}

/** The response of a header and its extras and key; the value comes later. */
export function binResponse(h: BinHeader, body: Uint8Array): McResponse {
  const status = STATUS[h.status] ?? `STATUS_0x${h.status.toString(16).padStart(4, "0")}`;
  const r: McResponse = { status, opcode: OPCODES[h.opcode] ?? `opcode_0x${h.opcode.toString(16)}` };
  r.opaque = String(h.opaque);
  if (h.keyLen > 0) r.key = text(body, h.extLen, h.extLen + h.keyLen);
  if (h.extLen === 4) r.flags = new DataView(body.buffer, body.byteOffset, 4).getUint32(0);
  if (h.cas !== 0) r.cas = h.cas;
  const valueLen = h.bodyLen - h.extLen - h.keyLen;
  if (valueLen > 0) r.value_size = valueLen;
  return r;
}

/** Whether a binary response can answer quiet request `q`: same opcode and opaque, and key when it has one. */
export function binAnswers(q: McRequest, r: McResponse): boolean {
  if (r.opcode !== q.command || r.opaque !== q.opaque) return false;
  return r.key === undefined || r.key === q.keys[0];
}
