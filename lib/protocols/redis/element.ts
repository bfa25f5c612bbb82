/**
 * One RESP element at a time: a line (`+OK`, `:1`, `*3`, `$5`) and, for a
 * bulk string, its data, kept up to the caps and handed to the tree.
 *
 * @module
 */

import {
  CR,
  HEAD,
  isBigNumber,
  keyword,
  Kw,
  LF,
  MAX_BULK,
  MAX_COUNT,
  MAX_DEPTH,
  MAX_LINE,
  parseDouble,
  parseNum,
  T,
  text,
} from "./bytes.ts";
import { addArg, argCap } from "./request.ts";
import { deliver, keepNext, open, result } from "./tree.ts";
import type { RedisState, StreamState } from "./types.ts";

/** A finished bulk string `src[a, a + kept)` of `full` bytes (kept -1: not kept). */
function bulkDone(
  state: RedisState,
  st: StreamState,
  isReq: boolean,
  src: Uint8Array,
  a: number,
  kept: number,
  full: number,
): void {
  if (isReq) {
    const f = st.stack[0]!;
    const args = f.items as string[];
    if (kept >= 0) addArg(state, st, args, f.index, src, a, kept, full);
    else st.trunc = true;
    f.index++;
    if (--f.left > 0) return;
    st.depth = 0;
    result.done = true;
    result.value = f.items!;
    f.items = null;
    return;
  }
  if (kept < 0) return deliver(st, undefined);
  if (st.depth === 1 && st.stack[0]!.index === 0) {
    st.kw = kept >= full ? keyword(src, a, full) : Kw.None;
  }
  if (st.bulkType === T.Verbatim && kept >= 4 && src[a + 3] === 58) {
    // "txt:" (or "mkd:") names the format, not part of the text.
    a += 4;
    kept -= 4;
    full -= 4;
  }
  const n = Math.min(kept, state.maxBodyBytes);
  if (n < full) st.trunc = true;
  deliver(st, text(src, a, a + n));
}

/** Bytes to keep of the bulk string starting now, -1 when it is not kept. */
function bulkCap(state: RedisState, st: StreamState, isReq: boolean): number {
  if (isReq) {
    const f = st.stack[0]!;
    return argCap(state, f.index, f.items!.length);
  }
  if (!keepNext(st)) return -1;
  const first = st.depth === 1 && st.stack[0]!.index === 0;
  return first ? Math.max(state.maxBodyBytes, HEAD) : state.maxBodyBytes;
}

/**
 * Decode the line `buf[s, e)` (e at its CR) and, for a bulk string that is
 * whole in `buf`, its data. Returns the offset after what was consumed, or
 * -1 when invalid.
 */
export function line(
  state: RedisState,
  st: StreamState,
  isReq: boolean,
  buf: Uint8Array,
  s: number,
  e: number,
): number {
  const t = buf[s]!;
  const a = s + 1;
  const next = e + 2;
  if (isReq && (st.depth === 0 ? t !== T.Array : t !== T.Bulk)) return -1;
  if (st.depth === 0 && t !== T.Attribute) st.topType = t;
  switch (t) {
    case T.Bulk:
    case T.BulkError:
    case T.Verbatim: {
      const n = parseNum(buf, a, e, false);
      if (n === -1 && t === T.Bulk && !isReq) {
        if (st.depth === 0) st.topType = T.Null;
        deliver(st, keepNext(st) ? null : undefined);
        return next;
      }
      if (!(n >= 0 && n <= MAX_BULK)) return -1;
      const cap = bulkCap(state, st, isReq);
      st.bulkType = t;
      if (next + n + 2 <= buf.length) {
        // Whole in the buffer: decode in place.
        if (buf[next + n] !== CR || buf[next + n + 1] !== LF) return -1;
        bulkDone(
          state,
          st,
          isReq,
          buf,
          next,
          cap < 0 ? -1 : Math.min(n, cap),
          n,
        );
        return next + n + 2;
      }
      st.bulkLeft = n;
      st.bulkCrlf = 2;
      st.bulkLen = n;
      st.bulkBuf = cap < 0 ? null : new Uint8Array(Math.min(n, cap));
      st.bulkKept = 0;
      return next;
    }
    case T.Array:
    case T.Map:
    case T.Set:
    case T.Push:
    case T.Attribute: {
      const n = parseNum(buf, a, e, false);
      if (n === -1 && t === T.Array) {
        if (isReq) return -2; // Redis ignores "*-1"
        if (st.depth === 0) st.topType = T.Null;
        deliver(st, keepNext(st) ? null : undefined);
        return next;
      }
      if (!(n >= 0 && n <= MAX_COUNT)) return -1;
      if (st.depth === 0) {
        if (isReq && n === 0) return -2; // Redis ignores "*0"
        if (t !== T.Attribute) st.topCount = n;
      }
      const keep = t !== T.Attribute && keepNext(st);
      if (n === 0) {
        if (t !== T.Attribute) {
          deliver(
            st,
            keep ? (t === T.Map ? Object.create(null) : []) : undefined,
          );
        }
        return next;
      }
      if (st.depth >= MAX_DEPTH) return -1;
      open(st, t, t === T.Map || t === T.Attribute ? 2 * n : n, keep);
      return next;
    }
    case T.Simple:
    case T.Error: {
      const keep = keepNext(st);
      const n = Math.min(e - a, state.maxBodyBytes);
      if (keep && n < e - a) st.trunc = true;
      deliver(st, keep ? text(buf, a, a + n) : undefined);
      return next;
    }
    case T.Integer: {
      const n = parseNum(buf, a, e, true);
      if (n !== n) return -1;
      const keep = keepNext(st);
      deliver(
        st,
        !keep ? undefined : Number.isSafeInteger(n) ? n : text(buf, a, e),
      );
      return next;
    }
    case T.Null:
      if (e !== a) return -1;
      deliver(st, keepNext(st) ? null : undefined);
      return next;
    case T.Boolean:
      if (e !== a + 1 || (buf[a] !== 116 && buf[a] !== 102)) return -1;
      deliver(st, keepNext(st) ? buf[a] === 116 : undefined);
      return next;
    case T.Double: {
      const d = parseDouble(buf, a, e);
      if (d === undefined) return -1;
      deliver(st, keepNext(st) ? d : undefined);
      return next;
    }
    case T.BigNumber: {
      if (!isBigNumber(buf, a, e) || e - a > MAX_LINE) return -1;
      const keep = keepNext(st);
      const n = Math.min(e - a, state.maxBodyBytes);
      if (keep && n < e - a) st.trunc = true;
      deliver(st, keep ? text(buf, a, a + n) : undefined);
      return next;
    }
  }
  return -1;
}

/** Finish the bulk string held in `st.bulkBuf`. */
export function endBulk(
  state: RedisState,
  st: StreamState,
  isReq: boolean,
): void {
  const kb = st.bulkBuf;
  st.bulkLeft = -1;
  st.bulkBuf = null;
  bulkDone(
    state,
    st,
    isReq,
    kb ?? buf0,
    0,
    kb === null ? -1 : st.bulkKept,
    st.bulkLen,
  );
}

const buf0 = new Uint8Array(0);
