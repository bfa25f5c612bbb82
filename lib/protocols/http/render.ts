/**
 * HTTP/1.x messages written as JSON bytes (ParserOptions.renderJson): the
 * head from indexHead's scratch copy and field marks while they are at
 * hand, the body when the message completes. The bytes are exactly
 * JSON.stringify of the HttpRequest or HttpResponse that parseHead and
 * complete() would have built; a head whose object would not map to them
 * one field line to one key (a repeated name, an obs-fold line, a name that
 * is an array index, a Content-Length list) is built as objects instead.
 *
 * @module
 */

import type { HttpRequest, HttpResponse, HttpState, StreamState } from "./types.ts";
import { frameBody, headIndex, INTERIM, marks, nameHash, scratch } from "./head.ts";
import {
  ascii,
  isPlainAscii,
  MAX_ESCAPE_BYTES,
  putAsciiString,
  putBytes,
  putJsonOf,
  putLatin1String,
  putUint,
  RenderedJson,
  slab,
} from "../common/json_bytes.ts";
import { latin1Text, utf8Text } from "../common/text.ts";

/** An HTTP/1.x message as JSON, with what parsing and pairing still read of it. */
export class RenderedHttp extends RenderedJson {
  /** A request's method; "" for a response. */
  method: string;
  /** A response's status; 0 for a request. */
  status: number;
  /** The Upgrade field's value, if any (h2c). */
  upgrade: string | undefined;

  constructor(head: Uint8Array, method: string, status: number, upgrade: string | undefined) {
    super(head);
    this.method = method;
    this.status = status;
    this.upgrade = upgrade;
  }
}

/** renderHead: this head is to be built as objects. */
export const AS_OBJECTS = -2;
/** repeatHead: the head is not the stream's previous one. */
export const NOT_REPEATED = -3;

/**
 * A stream's last head written as JSON, and what framing read of it. A
 * keep-alive client tends to send the same head again and again, and a
 * server to answer with the same one within a second (Date): comparing
 * the bytes is cheaper than indexing and writing them once more. Kept in
 * a buffer of the stream's own, not the slab: it lives as long as the
 * connection, and would keep a slab alive as long.
 */
export interface LastHead {
  /** The head's bytes as they came, then its JSON up to the body. */
  bytes: Uint8Array;
  /** A view of `bytes`, for comparing four bytes at a time. */
  words: DataView<ArrayBuffer>;
  /**
   * A message views the JSON in `bytes`: the next head that differs gets a
   * buffer of its own rather than overwrite it.
   */
  lent: boolean;
  /** The view of its JSON that messages share, made when the head first repeats. */
  json: Uint8Array | null;
  rawLength: number;
  jsonLength: number;
  method: string;
  status: number;
  upgrade: string | undefined;
  transferEncoding: string | undefined;
  /** Content-Length as frameBody takes it. */
  length: number;
}

/** Longer heads are not kept for comparing. */
const MAX_KEPT_HEAD = 2048;

const CR = 13;
const SP = 32;
const HT = 9;

// Fixed parts of the JSON.
const METHOD = ascii('{"method":"');
const PATH = ascii('","path":"');
const V11_HOST = ascii('","version":"HTTP/1.1","host":"');
const V10_HOST = ascii('","version":"HTTP/1.0","host":"');
const HEADERS = ascii('","headers":{');
const STATUS = ascii('{"status":');
const REASON = ascii(',"reason":"');
const V11_HEADERS = ascii('","version":"HTTP/1.1","headers":{');
const V10_HEADERS = ascii('","version":"HTTP/1.0","headers":{');
const NAME_END = ascii('":"');
const BODY = ascii('},"body":');
const TRUNCATED = ascii(',"body_truncated":true}');
const WHOLE = ascii(',"body_truncated":false}');
const EMPTY_TRUNCATED = ascii('"","body_truncated":true}');
const EMPTY_WHOLE = ascii('"","body_truncated":false}');

const H_HOST = nameHash("host");
const H_CONTENT_LENGTH = nameHash("content-length");
const H_TRANSFER_ENCODING = nameHash("transfer-encoding");
const H_UPGRADE = nameHash("upgrade");

/** Field at `marks[k]` has the name `name` (lower case). */
function named(k: number, name: string): boolean {
  const a = marks[k]!;
  if (marks[k + 1]! - a !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (scratch[a + i] !== name.charCodeAt(i)) return false;
  return true;
}

// Where the value of the field at marks[k] starts and ends, trimmed of
// optional whitespace as buildFields trims it.
let valueStart = 0;
let valueEnd = 0;

function valueAt(k: number): void {
  let a = marks[k + 1]! + 1;
  let b = marks[k + 2]!;
  while (a < b && (scratch[a] === SP || scratch[a] === HT)) a++;
  while (b > a && (scratch[b - 1] === SP || scratch[b - 1] === HT)) b--;
  valueStart = a;
  valueEnd = b;
}

function valueText(k: number): string | undefined {
  if (k < 0) return undefined;
  valueAt(k);
  return latin1Text(scratch, valueStart, valueEnd);
}

/**
 * The Content-Length at `marks[k]` as parseHead reads it: -1 when invalid,
 * AS_OBJECTS for a list (a repeated field joined, for parseHead to check).
 */
function lengthAt(k: number): number {
  valueAt(k);
  const a = valueStart;
  const b = valueEnd;
  for (let i = a; i < b; i++) if (scratch[i] === 44) return AS_OBJECTS;
  if (b === a || b - a > 16) return -1;
  let n = 0;
  for (let i = a; i < b; i++) {
    const d = scratch[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= Number.MAX_SAFE_INTEGER ? n : -1;
}

const KNOWN_METHODS = ["GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT"];

/** The method `scratch[0, n)`, as a constant string when it is a common one. */
function methodText(n: number): string {
  for (const m of KNOWN_METHODS) {
    if (m.length !== n) continue;
    let i = 0;
    while (i < n && scratch[i] === m.charCodeAt(i)) i++;
    if (i === n) return m;
  }
  return latin1Text(scratch, 0, n);
}

function indexOfSpace(from: number, to: number): number {
  for (let i = from; i < to; i++) if (scratch[i] === SP) return i;
  return -1;
}

/**
 * {@linkcode parseHead} for a head to write as JSON: sets `st.msg` to a
 * RenderedHttp and returns what parseHead would, or AS_OBJECTS.
 */
export function renderHead(state: HttpState, st: StreamState, isReq: boolean, buf: Uint8Array, end: number): number {
  const n4 = 4 * headIndex.fields;
  let host = -1;
  let contentLength = -1;
  let transferEncoding = -1;
  let upgrade = -1;
  for (let k = 0; k < n4; k += 4) {
    if (marks[k + 1]! < 0) return AS_OBJECTS;
    const c0 = scratch[marks[k]!]!;
    // JSON.stringify puts array-index keys ("7") first, not in wire order.
    if (c0 >= 48 && c0 <= 57) return AS_OBJECTS;
    const h = marks[k + 3]!;
    for (let j = 0; j < k; j += 4) if (marks[j + 3] === h) return AS_OBJECTS;
    if (h === H_HOST && named(k, "host")) host = k;
    else if (h === H_CONTENT_LENGTH && named(k, "content-length")) contentLength = k;
    else if (h === H_TRANSFER_ENCODING && named(k, "transfer-encoding")) transferEncoding = k;
    else if (h === H_UPGRADE && named(k, "upgrade")) upgrade = k;
  }
  let length = -2;
  if (contentLength >= 0) {
    length = lengthAt(contentLength);
    if (length === AS_OBJECTS) return AS_OBJECTS;
  }
  const nl = headIndex.startLineEnd;
  const lineEnd = scratch[nl - 1] === CR ? nl - 1 : nl;
  let sp1 = 0;
  let sp2 = 0;
  let status = 0;
  if (isReq) {
    sp1 = indexOfSpace(0, lineEnd);
    sp2 = sp1 < 0 ? -1 : indexOfSpace(sp1 + 1, lineEnd);
    if (sp2 < 0) return AS_OBJECTS;
  } else {
    const d0 = scratch[9]! - 48;
    const d1 = scratch[10]! - 48;
    const d2 = scratch[11]! - 48;
    if (lineEnd < 12 || d0 < 0 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return AS_OBJECTS;
    status = d0 * 100 + d1 * 10 + d2;
  }
  const te = valueText(transferEncoding);
  const r = frameBody(state, st, isReq, status, te, length);
  if (r < 0 || r === INTERIM) return r;

  slab.reserve(MAX_ESCAPE_BYTES * end + 8 * (n4 >> 2) + 160);
  const d = slab.bytes;
  const start = slab.pos;
  let o = start;
  if (isReq) {
    o = putBytes(d, o, METHOD);
    o = putLatin1String(scratch, 0, sp1, d, o);
    o = putBytes(d, o, PATH);
    o = putLatin1String(scratch, sp1 + 1, sp2, d, o);
    const v11 = sp2 + 8 < lineEnd && scratch[sp2 + 8] === 49;
    o = putBytes(d, o, v11 ? V11_HOST : V10_HOST);
    if (host >= 0) {
      valueAt(host);
      o = putLatin1String(scratch, valueStart, valueEnd, d, o);
    }
    o = putBytes(d, o, HEADERS);
  } else {
    o = putBytes(d, o, STATUS);
    o = putUint(d, o, status);
    o = putBytes(d, o, REASON);
    o = putLatin1String(scratch, 13, lineEnd, d, o);
    o = putBytes(d, o, scratch[7] === 49 ? V11_HEADERS : V10_HEADERS);
  }
  for (let k = 0; k < n4; k += 4) {
    if (k !== 0) d[o++] = 44; // ,
    d[o++] = 34;
    const a = marks[k]!;
    const b = marks[k + 1]!;
    // Names are tokens: nothing in them to escape.
    for (let i = a; i < b; i++) d[o++] = scratch[i]!;
    o = putBytes(d, o, NAME_END);
    valueAt(k);
    o = putLatin1String(scratch, valueStart, valueEnd, d, o);
    d[o++] = 34;
  }
  // complete() writes the body next, right after this when nothing else came between.
  o = putBytes(d, o, BODY);
  const json = slab.take(start, o);
  const msg = st.msg = new RenderedHttp(json, isReq ? methodText(sp1) : "", status, valueText(upgrade));
  // From a stream's second head on: a connection with one request has no
  // use for a buffer of its own.
  if (st.heads++ === 0 || end > MAX_KEPT_HEAD) return r;
  let last = st.lastHead;
  const need = end + json.length;
  if (last === null || last.lent || last.bytes.length < need) {
    const bytes = new Uint8Array(Math.max(512, need + (need >> 1)));
    last = st.lastHead = {
      bytes,
      words: new DataView(bytes.buffer),
      lent: false,
      json: null,
      rawLength: 0,
      jsonLength: 0,
      method: "",
      status,
      upgrade: undefined,
      transferEncoding: te,
      length,
    };
  }
  last.bytes.set(buf.subarray(0, end));
  last.bytes.set(json, end);
  // last.json is still null: only repeatHead sets it, and it lends `last` then.
  last.rawLength = end;
  last.jsonLength = json.length;
  last.method = msg.method;
  last.status = status;
  last.upgrade = msg.upgrade;
  last.transferEncoding = te;
  last.length = length;
  return r;
}

// A view of the buffer the last head compared lay in: usually the ring's
// data, or a stream's own buffer, so made once for many heads. It keeps at
// most one closed stream's buffer alive, until a head in another is compared.
let wordsOf: ArrayBufferLike | null = null;
let bufWords: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/**
 * When `buf` starts with the stream's last head written as JSON, byte for
 * byte: sets up that head's message again, reusing its JSON, and returns
 * what parseHead would (its length is `st.lastHead.rawLength`). Else
 * NOT_REPEATED.
 */
export function repeatHead(state: HttpState, st: StreamState, isReq: boolean, buf: Uint8Array): number {
  const last = st.lastHead!;
  const bytes = last.bytes;
  const n = last.rawLength;
  if (buf.length < n) return NOT_REPEATED;
  // Eight bytes at a time: the byte loop was a tenth of a traced nginx
  // request's time in the worker. Doubles that compare equal have the same
  // bits, except +0 and -0; NaNs never do: both are compared as integers.
  if (buf.buffer !== wordsOf) {
    wordsOf = buf.buffer;
    bufWords = new DataView(wordsOf);
  }
  const w = last.words;
  const b = buf.byteOffset;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const x = bufWords.getFloat64(b + i, true);
    if (x === w.getFloat64(i, true) && x !== 0) continue;
    if (bufWords.getInt32(b + i, true) !== w.getInt32(i, true)) return NOT_REPEATED;
    if (bufWords.getInt32(b + i + 4, true) !== w.getInt32(i + 4, true)) return NOT_REPEATED;
  }
  for (; i < n; i++) if (buf[i] !== bytes[i]) return NOT_REPEATED;
  const r = frameBody(state, st, isReq, last.status, last.transferEncoding, last.length);
  if (r < 0 || r === INTERIM) return r;
  // No copy: a head that repeats usually repeats again, so the buffer is
  // seldom replaced, and a copy into the slab cost ~8% of a record's time.
  // One view for them all: making one took longer than the rest of this.
  last.lent = true;
  const json = last.json ??= bytes.subarray(n, n + last.jsonLength);
  st.msg = new RenderedHttp(json, last.method, last.status, last.upgrade);
  return r;
}

/**
 * complete() for a RenderedHttp: writes the body, kept as `parts` with
 * `kept` bytes in all, and the end of the message.
 */
export function renderBody(msg: RenderedHttp, parts: Uint8Array[], kept: number, truncated: boolean): void {
  if (kept === 0) {
    // Most requests: no body, and nothing to write for it.
    msg.tail = truncated ? EMPTY_TRUNCATED : EMPTY_WHOLE;
    return;
  }
  const head = msg.head;
  const need = MAX_ESCAPE_BYTES * kept + 40;
  // Right after the head when nothing was written since: one piece to copy.
  const contiguous = head.buffer === slab.bytes.buffer && head.byteOffset + head.length === slab.pos &&
    slab.pos + need <= slab.bytes.length;
  slab.reserve(need);
  const d = slab.bytes;
  const start = slab.pos;
  let o = start;
  d[o++] = 34;
  for (let i = 0; i < parts.length && o >= 0; i++) {
    const p = parts[i]!;
    // A scan, then a native copy, beat escaping byte by byte from ~64 bytes up.
    if (p.length >= 64 && isPlainAscii(p)) {
      d.set(p, o);
      o += p.length;
    } else o = putAsciiString(p, 0, p.length, d, o);
  }
  if (o < 0) o = putJsonOf(d, start, bodyText(parts, kept));
  else d[o++] = 34;
  o = putBytes(d, o, truncated ? TRUNCATED : WHOLE);
  if (contiguous) msg.head = slab.take(head.byteOffset, o);
  else msg.tail = slab.take(start, o);
}

/** The decoded body, as complete() decodes it for objects. */
export function bodyText(parts: Uint8Array[], kept: number): string {
  if (kept === 0) return "";
  let b = parts[0]!;
  if (parts.length > 1) {
    b = new Uint8Array(kept);
    let o = 0;
    for (const p of parts) (b.set(p, o)), (o += p.length);
  }
  return utf8Text(b, 0, b.length);
}

/** The message as the object JSON.stringify would print it the same. */
export function materialize<M extends HttpRequest | HttpResponse>(msg: M | RenderedHttp): M {
  return msg instanceof RenderedHttp ? msg.toJSON() as M : msg;
}

/** The Upgrade field of a message. */
export function upgradeOf(msg: HttpRequest | HttpResponse | RenderedHttp): string | undefined {
  return msg instanceof RenderedHttp ? msg.upgrade : msg.headers.upgrade;
}
