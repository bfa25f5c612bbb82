/**
 * Frontend (client → server) messages: decoding of what gets printed, the
 * connection's prepared statements and portals, and the grouping of
 * messages into segments, one per future record.
 *
 * An Execute closes a segment holding every Parse/Bind/Describe/Close/Flush
 * since the previous one, and a Sync sent right after it joins it (so that
 * an error at Sync, such as a failed implicit COMMIT, is reported). A Sync
 * closes any other open segment: a "parse" record when it holds a Parse,
 * else an unprinted one. Query and FunctionCall are segments of their own.
 *
 * @module
 */

import { decodeBind } from "./bind.ts";
import { advance, lose } from "./match.ts";
import { Expect, type PgsqlRequest, type PgsqlState, type Portal, SegKind, type Segment } from "./types.ts";
import { CANCEL_CODE, cutEnd, GSS_CODE, i32, nul, SSL_CODE, text, u32 } from "./wire.ts";

/** Segments waiting for answers before the connection is declared lost. */
export const MAX_PENDING = 1024;
/** Frontend messages in one open segment before it is closed early. */
export const MAX_EXPECT = 1024;
/** Prepared statements remembered per connection. */
export const MAX_STATEMENTS = 4096;
/** Named portals remembered per connection. */
export const MAX_PORTALS = 256;
/** Longest statement or portal name kept. */
const MAX_NAME = 256;

const Q = 0x51, P = 0x50, B = 0x42, E = 0x45, D = 0x44, C = 0x43, S = 0x53;
const H = 0x48, X = 0x58, F = 0x46, d = 0x64, c = 0x63, f = 0x66, p = 0x70;

/** Enqueue a closed segment; on overflow, drop every pending request. */
function push(s: PgsqlState, seg: Segment): void {
  if (s.reqQueue.length >= MAX_PENDING) advance(s);
  if (s.reqQueue.length >= MAX_PENDING) {
    s.overflows++;
    lose(s, seg);
    return;
  }
  s.reqQueue.push(seg);
}

function segment(kind: SegKind, e: Expect | null, startNs: number): Segment {
  return {
    kind,
    exp: e === null ? [] : [e],
    req: null,
    startNs,
    endNs: startNs,
    bytes: 0,
    sealed: true,
  };
}

/** Close the open segment: a "parse" record if it holds a Parse. */
function closeOpen(s: PgsqlState): void {
  const seg = s.open;
  if (seg === null) return;
  s.open = null;
  seg.kind = seg.req !== null ? SegKind.Parse : SegKind.Absorb;
  push(s, seg);
}

/** Add one message to the open segment, opening one if needed. */
function add(
  s: PgsqlState,
  e: Expect,
  startNs: number,
  endNs: number,
  bytes: number,
): Segment {
  let seg = s.open;
  if (seg !== null && seg.exp.length >= MAX_EXPECT) closeOpen(s), (seg = null);
  if (seg === null) seg = s.open = segment(SegKind.Absorb, null, startNs);
  seg.exp.push(e);
  seg.endNs = endNs;
  seg.bytes += bytes;
  return seg;
}

function remember<V>(
  map: Map<string, V>,
  key: string,
  value: V,
  cap: number,
): void {
  if (map.size >= cap && !map.has(key)) {
    for (const k of map.keys()) {
      map.delete(k);
      break;
    }
  }
  map.set(key, value);
}

/** A NUL-terminated name at `i` within `[i, e)`: [name, offset after it]. */
function name(b: Uint8Array, i: number, e: number): [string, number] {
  const z = nul(b, i, e);
  const end = z < 0 ? e : z;
  return [text(b, i, Math.min(end, i + MAX_NAME)), z < 0 ? e : z + 1];
}

/** SQL text at `[i, e)` up to its NUL, cut at maxBodyBytes. */
function sql(
  s: PgsqlState,
  b: Uint8Array,
  i: number,
  e: number,
  full: boolean,
): PgsqlRequest {
  const z = nul(b, i, e);
  const end = z < 0 ? e : z;
  const cut = cutEnd(b, i, end, s.maxBodyBytes);
  const req: PgsqlRequest = { type: "query", query: text(b, i, cut) };
  if (cut < end || z < 0 || !full) req.truncated = true;
  return req;
}

function executeRequest(s: PgsqlState, portal: string): PgsqlRequest {
  const bound: Portal | undefined = s.portals.get(portal);
  const req: PgsqlRequest = { type: "execute", query: bound?.sql ?? "" };
  if (bound !== undefined && bound.statement !== "") {
    req.statement = bound.statement;
  }
  if (portal !== "") req.portal = portal;
  if (bound !== undefined && bound.params.length > 0) req.params = bound.params;
  if (bound?.truncated) req.truncated = true;
  return req;
}

/** An untagged message: SSLRequest, GSSENCRequest, CancelRequest or StartupMessage. */
function untagged(
  s: PgsqlState,
  b: Uint8Array,
  a: number,
  e: number,
  startNs: number,
  endNs: number,
  bytes: number,
): void {
  const code = e - a >= 4 ? u32(b, a) : 0;
  if (code === SSL_CODE) s.negotiating = 1;
  else if (code === GSS_CODE) s.negotiating = 2;
  else if (code === CANCEL_CODE) {
    const req: PgsqlRequest = { type: "cancel", query: "" };
    if (e - a >= 8) req.cancel_pid = i32(b, a + 4);
    s.done.push({
      req,
      resp: null,
      reqStartNs: startNs,
      reqEndNs: endNs,
      respStartNs: -1,
      respEndNs: -1,
      reqBytes: bytes,
      respBytes: 0,
    });
  } else {
    s.startup = false;
    closeOpen(s);
    const seg = segment(SegKind.Startup, Expect.Startup, startNs);
    seg.endNs = endNs;
    seg.bytes = bytes;
    s.last = seg;
    push(s, seg);
  }
}

/**
 * Handle one whole frontend message: type `tag` (0 for untagged), content
 * `b[a, e)` (after the length field; `full` false when only its first bytes
 * were kept), first byte consumed at `startNs`, last at `endNs`, `bytes` on
 * the wire.
 */
export function onRequest(
  s: PgsqlState,
  tag: number,
  b: Uint8Array,
  a: number,
  e: number,
  full: boolean,
  startNs: number,
  endNs: number,
  bytes: number,
): void {
  if (tag === 0) return untagged(s, b, a, e, startNs, endNs, bytes);
  s.startup = false;
  const u = s.unsealed;
  if (u !== null) {
    s.unsealed = null;
    u.sealed = true;
    if (tag === S) {
      u.exp.push(Expect.Sync);
      u.endNs = endNs;
      u.bytes += bytes;
      return;
    }
  }
  // The server's statements and portals change whether or not the message
  // is part of a record we can still pair.
  let execReq: PgsqlRequest | null = null;
  let parseReq: PgsqlRequest | null = null;
  if (tag === P) {
    const [stmt, at] = name(b, a, e);
    parseReq = sql(s, b, at, e, full);
    parseReq.type = "parse";
    if (stmt !== "") parseReq.statement = stmt;
    remember(s.statements, stmt, {
      sql: parseReq.query,
      truncated: parseReq.truncated === true,
    }, MAX_STATEMENTS);
  } else if (tag === B) {
    const [portal, at] = name(b, a, e);
    const [stmt, at2] = name(b, at, e);
    const known = s.statements.get(stmt);
    const bound: Portal = {
      statement: stmt,
      sql: known?.sql ?? "",
      params: [],
      truncated: known?.truncated === true,
    };
    decodeBind(s.maxBodyBytes, b, at2, e, full, bound);
    remember(s.portals, portal, bound, MAX_PORTALS);
  } else if (tag === C && e - a >= 2) {
    const [target] = name(b, a + 1, e);
    if (b[a] === S) s.statements.delete(target);
    else s.portals.delete(target);
  } else if (tag === E) {
    execReq = executeRequest(s, name(b, a, e)[0]);
  }
  if (s.dropUntilSync) {
    if (tag === S || tag === Q || tag === F) {
      s.dropUntilSync = false;
      s.owedZ++;
    }
    return;
  }
  switch (tag) {
    case Q:
    case F: {
      closeOpen(s);
      const fn = tag === F;
      const seg = fn
        ? segment(SegKind.Function, Expect.Function, startNs)
        : segment(SegKind.Query, Expect.Query, startNs);
      let req: PgsqlRequest;
      if (fn) {
        req = { type: "function", query: "" };
        if (e - a >= 4) req.function_oid = u32(b, a);
      } else req = sql(s, b, a, e, full);
      seg.req = req;
      seg.endNs = endNs;
      seg.bytes = bytes;
      s.last = seg;
      return push(s, seg);
    }
    case P: {
      const seg = add(s, Expect.Parse, startNs, endNs, bytes);
      if (seg.req === null) seg.req = parseReq;
      return;
    }
    case B:
      return void add(s, Expect.Bind, startNs, endNs, bytes);
    case D: {
      const what = b[a] === S ? Expect.DescribeStatement : Expect.DescribePortal;
      return void add(s, what, startNs, endNs, bytes);
    }
    case C:
      return void add(s, Expect.Close, startNs, endNs, bytes);
    case H:
      return void add(s, Expect.Flush, startNs, endNs, bytes);
    case E: {
      const seg = add(s, Expect.Execute, startNs, endNs, bytes);
      s.open = null;
      seg.kind = SegKind.Execute;
      seg.req = execReq;
      seg.sealed = false;
      s.unsealed = s.last = seg;
      return push(s, seg);
    }
    case S:
      add(s, Expect.Sync, startNs, endNs, bytes);
      return closeOpen(s);
    case X:
      return closeOpen(s);
    case d:
    case c:
    case f:
    case p: {
      // COPY data belongs to the Query or Execute that started the COPY;
      // password messages to the StartupMessage.
      const last = s.last;
      if (last !== null && (last.kind === SegKind.Startup) === (tag === p)) {
        last.endNs = endNs;
        last.bytes += bytes;
      }
      return;
    }
  }
}

/** Close what the client left open when the connection ends. */
export function finishRequests(s: PgsqlState): void {
  if (s.unsealed !== null) s.unsealed.sealed = true;
  s.unsealed = null;
  closeOpen(s);
}
