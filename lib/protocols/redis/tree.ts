/**
 * The tree of aggregates a stream's current reply (or command) is filling:
 * which elements are kept under the caps, and how finished values climb into
 * their parents.
 *
 * @module
 */

import { Kw, MAX_ITEMS, MAX_NODES, T } from "./bytes.ts";
import type { RedisValue, StreamState } from "./types.ts";

/**
 * Set when the value just delivered completed the message. The decoder
 * never re-enters, so one shared record is safe and saves an allocation per
 * call.
 */
export const result: { done: boolean; value: RedisValue; queued: boolean } = {
  done: false,
  value: null,
  queued: true,
};

/** A fresh, idle stream state. */
export function newStreamState(): StreamState {
  return {
    active: false,
    startNs: 0,
    lastNs: 0,
    bytes: 0,
    stack: [],
    depth: 0,
    scanned: 0,
    bulkLeft: -1,
    bulkCrlf: 0,
    bulkType: 0,
    bulkLen: 0,
    bulkBuf: null,
    bulkKept: 0,
    topType: 0,
    topCount: 0,
    kw: Kw.None,
    nodes: 0,
    trunc: false,
    cmd: "",
    mode: "",
  };
}

/** Drop the stream's message in progress. */
export function resetStream(st: StreamState): void {
  st.active = false;
  st.bytes = 0;
  for (let i = 0; i < st.depth; i++) {
    const f = st.stack[i]!;
    f.items = null;
    f.obj = null;
  }
  st.depth = 0;
  st.scanned = 0;
  st.bulkLeft = -1;
  st.bulkBuf = null;
  st.topType = 0;
  st.kw = Kw.None;
  st.nodes = 0;
  st.trunc = false;
  st.cmd = "";
  st.mode = "";
}

function mapKey(v: RedisValue): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Whether the next element is kept, counting it against the caps. */
export function keepNext(st: StreamState): boolean {
  if (st.depth === 0) return true;
  const f = st.stack[st.depth - 1]!;
  if (!f.keep) return false;
  if (
    f.index >= (f.type === T.Map ? 2 * MAX_ITEMS : MAX_ITEMS) ||
    st.nodes >= MAX_NODES
  ) {
    st.trunc = true;
    return false;
  }
  st.nodes++;
  return true;
}

/**
 * Add a finished value (undefined: not kept) to the innermost aggregate,
 * closing every aggregate it completes. Sets `result.done` when the message
 * is complete, leaving its value in `result.value`.
 */
export function deliver(st: StreamState, v: RedisValue | undefined): void {
  for (;;) {
    if (st.depth === 0) {
      result.done = true;
      result.value = v ?? null;
      return;
    }
    const f = st.stack[st.depth - 1]!;
    if (f.obj !== null) {
      if ((f.index & 1) === 0) f.key = v === undefined ? null : mapKey(v);
      else if (f.key !== null && v !== undefined) f.obj[f.key] = v;
    } else if (f.items !== null && v !== undefined) f.items.push(v);
    f.index++;
    if (--f.left > 0) return;
    st.depth--;
    // An attribute describes the value after it and is not an element.
    if (f.type === T.Attribute) return;
    v = f.keep ? (f.obj ?? f.items!) : undefined;
    f.items = null;
    f.obj = null;
  }
}

/** Start an aggregate of `n` elements (maps and attributes: 2n) one level down. */
export function open(
  st: StreamState,
  type: number,
  n: number,
  keep: boolean,
): void {
  let f = st.stack[st.depth];
  if (f === undefined) {
    f = { type, left: 0, index: 0, keep, items: null, obj: null, key: null };
    st.stack.push(f);
  }
  f.type = type;
  f.left = n;
  f.index = 0;
  f.keep = keep;
  f.items = keep && type !== T.Map ? [] : null;
  f.obj = keep && type === T.Map ? Object.create(null) : null;
  f.key = null;
  st.depth++;
}
