/**
 * Data blocks of known length (text storage data, `VALUE` and `VA` data,
 * binary values): consumed piece by piece, the first `maxBodyBytes` kept.
 *
 * @module
 */

import { CR, LF } from "./bytes.ts";
import type { McState, StreamState } from "./types.ts";

/** Starts a data block of `size` bytes, keeping up to maxBodyBytes when `keep`, then `crlf` bytes of CR LF. */
export function startBlock(state: McState, st: StreamState, size: number, keep: boolean, crlf = 2): void {
  st.dataLeft = size;
  st.crlfLeft = crlf;
  st.kept = 0;
  st.cut = false;
  st.keep = keep && state.maxBodyBytes > 0 ? new Uint8Array(Math.min(size, state.maxBodyBytes)) : null;
}

/** Consume block data and its CRLF from `buf[pos]`; the new offset, or -1 when the CRLF is wrong. */
export function blockData(st: StreamState, buf: Uint8Array, pos: number): number {
  const n = Math.min(st.dataLeft, buf.length - pos);
  const kb = st.keep;
  if (kb !== null && st.kept < kb.length) {
    const k = Math.min(n, kb.length - st.kept);
    kb.set(buf.subarray(pos, pos + k), st.kept);
    st.kept += k;
  }
  st.dataLeft -= n;
  pos += n;
  while (st.dataLeft === 0 && st.crlfLeft > 0 && pos < buf.length) {
    if (buf[pos] !== (st.crlfLeft === 2 ? CR : LF)) return -1;
    pos++;
    st.crlfLeft--;
  }
  return pos;
}
