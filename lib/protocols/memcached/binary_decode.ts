/**
 * The binary protocol's stream decoder: one packet (or, for `stat`, the run
 * of packets up to the one with an empty key) per message. Headers, extras
 * and keys wait until they are whole; values stream through as data blocks.
 *
 * @module
 */

import { text } from "./bytes.ts";
import { blockData, startBlock } from "./block.ts";
import { binRequest, binResponse, HEADER, header, REQ_MAGIC, RESP_MAGIC } from "./binary.ts";
import { MAX_STATS, type McState, type StreamState } from "./types.ts";

/** Longest key kept (memcached's own limit). */
const KEY_MAX = 250;
/** Bytes kept of values that are text for the record itself (errors, versions, stats). */
const SMALL = 256;
const OP_STAT = 0x10;

/** Set by {@linkcode binaryStep}: the message in `st` is complete. */
export const binResult: { done: boolean } = { done: false };

function isArith(op: number): boolean {
  return op === 0x05 || op === 0x06 || op === 0x15 || op === 0x16;
}

function u64(b: Uint8Array): number | string {
  const n = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

/**
 * A packet's value was read: it goes where it belongs. True when that ends
 * the message, false when more packets follow (a stat).
 */
export function binEnd(st: StreamState, isReq: boolean): boolean {
  st.dataLeft = -1;
  if (isReq) return true;
  const kept = st.keep === null ? new Uint8Array(0) : st.keep.subarray(0, st.kept);
  st.keep = null;
  const r = st.resp!;
  const bin = st.bin;
  st.bin = null;
  if (bin?.stat != null) {
    const n = r.stat_count = (r.stat_count ?? 0) + 1;
    if (n <= MAX_STATS) r.stats![bin.stat] = text(kept, 0, kept.length);
    return false;
  }
  if (r.status !== "OK") r.error = text(kept, 0, kept.length);
  else if (bin && isArith(bin.opcode) && kept.length === 8) r.number = u64(kept);
  else if (bin?.opcode === 0x0b) r.version = text(kept, 0, kept.length);
  else {
    r.value = text(kept, 0, kept.length);
    if (st.cut || kept.length < (r.value_size ?? 0)) r.truncated = true;
  }
  return true;
}

/** Starts a response packet's value, keeping what the record shows of it. */
function startValue(state: McState, st: StreamState, op: number, len: number, get: boolean): void {
  startBlock(state, st, len, true, 0);
  if (!get) st.keep = new Uint8Array(Math.min(len, isArith(op) ? 8 : SMALL));
}

/** Consume one binary message (or part of it) from `buf`; the bytes consumed or -1. */
export function binaryStep(state: McState, st: StreamState, isReq: boolean, buf: Uint8Array): number {
  binResult.done = false;
  let pos = 0;
  for (;;) {
    if (st.dataLeft >= 0) {
      pos = blockData(st, buf, pos);
      if (pos < 0 || st.dataLeft > 0) return pos;
      if (binEnd(st, isReq)) {
        binResult.done = true;
        return pos;
      }
      continue;
    }
    if (buf.length - pos < HEADER) return pos;
    const view = buf.subarray(pos);
    const h = header(view, isReq ? REQ_MAGIC : RESP_MAGIC);
    if (h === null) return -1;
    const head = HEADER + h.extLen + h.keyLen;
    if (view.length < head) return pos;
    const body = view.subarray(HEADER, head);
    pos += head;
    const valueLen = h.bodyLen - h.extLen - h.keyLen;
    st.bin = { opcode: h.opcode, stat: null };
    if (isReq) {
      st.req = binRequest(h, body, KEY_MAX);
      if (valueLen > 0) {
        startBlock(state, st, valueLen, false, 0);
        continue;
      }
      binResult.done = true;
      return pos;
    }
    const r = binResponse(h, body);
    if (h.opcode === OP_STAT) {
      const agg = st.resp ??= {
        status: r.status,
        opcode: r.opcode,
        opaque: r.opaque,
        stats: Object.create(null),
        stat_count: 0,
      };
      if (r.key !== undefined && r.status === "OK") {
        st.bin.stat = r.key;
        if (valueLen > 0) startValue(state, st, h.opcode, valueLen, false);
        else binEnd(st, false);
        continue;
      }
      agg.status = r.status;
    } else st.resp = r;
    if (valueLen > 0) {
      startValue(state, st, h.opcode, valueLen, r.status === "OK" && !isArith(h.opcode) && h.opcode !== 0x0b);
      continue;
    }
    st.bin = null;
    binResult.done = true;
    return pos;
  }
}
