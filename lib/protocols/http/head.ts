/**
 * HTTP/1.x header sections: finding where one ends, turning it into a
 * request or response with its fields, and deciding how the body that
 * follows is framed (RFC 9112 §6).
 *
 * @module
 */

import {
  type HttpHeaders,
  type HttpRequest,
  type HttpState,
  Mode,
  type RenderedHttp,
  type StreamState,
} from "./types.ts";
import { checkRequestLine, checkStatusLine, MAX_HEAD_BYTES, MAX_HEADERS, PREFIX_CHECK, TCHAR } from "./scan.ts";
import { addField, newFields, setField } from "../common/fields.ts";
import { latin1Text } from "../common/text.ts";

const LF = 10;
const CR = 13;
const SP = 32;
const HT = 9;
const COLON = 58;

function trimOws(s: string, a: number, b: number): string {
  while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HT)) a++;
  while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === HT)) {
    b--;
  }
  return textAt(s, a, b);
}

/**
 * `s.slice(a, b)` as a string of its own. V8 makes a slice of 13 or more
 * characters a view into `s`, and JSON.stringify gives up its fast path
 * at the first such view: an HTTP record took 2-3x as long to serialise.
 * Shorter slices are copies already; longer ones are decoded again from
 * scratch, which holds the same bytes at the same offsets.
 */
function textAt(s: string, a: number, b: number): string {
  return b - a < 13 ? s.slice(a, b) : latin1Text(scratch, a, b);
}

/**
 * indexHead copies the head here with field names lower-cased, so that one
 * decode yields every name ready to use, and notes where each field is.
 */
export const scratch: Uint8Array = new Uint8Array(MAX_HEAD_BYTES);
/**
 * Per field line of the last indexed head: start, colon (-1 for an obs-fold
 * continuation), end (before any CR), and a hash of the lower-cased name.
 */
export const marks: Int32Array = new Int32Array(4 * MAX_HEADERS);
/** The last indexed head's field lines, and the offset of its first LF. */
export const headIndex = { fields: 0, startLineEnd: 0 };

function pause(st: StreamState, len: number, line: number, lines: number) {
  if (len >= MAX_HEAD_BYTES) return -1;
  st.scanPos = len;
  st.scanLine = line;
  st.scanLines = lines;
  return 0;
}

/**
 * Index the head at the start of `buf` (`kind` 1 request, 2 response) for
 * {@linkcode parseHead} in one pass: the offset just past its empty line, 0
 * when it is incomplete (progress saved in `st` for
 * {@linkcode scanSection}), -1 when it is invalid or too large.
 */
export function indexHead(
  st: StreamState,
  buf: Uint8Array,
  kind: 1 | 2,
): number {
  const len = buf.length;
  let i = 0;
  let c = 0;
  // Loops run to buf.length, with no calls inside, so V8 compiles them
  // tightly; scratch ignores writes past its end, and such heads fail below.
  for (; i < len && (c = buf[i]!) !== LF; i++) scratch[i] = c;
  const complete = i < len;
  const e = complete ? i : Math.min(len, PREFIX_CHECK);
  const ok = kind === 1 ? checkRequestLine(buf, 0, e, complete) : checkStatusLine(buf, 0, e, complete);
  if (ok < 0 || i >= MAX_HEAD_BYTES) return -1;
  if (!complete) return pause(st, len, 0, 0);
  scratch[i] = LF;
  headIndex.startLineEnd = i;
  let n = 0;
  for (i++;;) {
    if (i >= len) return pause(st, len, i, n + 1);
    const ls = i;
    c = buf[i]!;
    if (c === LF || c === CR) {
      if (c === LF || buf[i + 1] === LF) {
        const end = c === LF ? i + 1 : i + 2;
        headIndex.fields = n;
        return end > MAX_HEAD_BYTES ? -1 : end;
      }
      if (i + 1 >= len) return pause(st, len, ls, n + 1);
      return -1;
    }
    let colon = -1;
    let h = 0;
    if (c === SP || c === HT) {
      // obs-fold: RFC 9112 §5.2 lets a recipient replace it with a space.
      if (n === 0) return -1;
    } else {
      // Field names are tokens: this also rejects a line with no colon, and
      // whitespace before the colon (RFC 9112 §5.1).
      for (; i < len && (c = buf[i]!) !== COLON; i++) {
        if (TCHAR[c] !== 1) return -1;
        c = c >= 65 && c <= 90 ? c + 32 : c;
        scratch[i] = c;
        h = (Math.imul(h, 31) + c) | 0;
      }
      if (i === ls) return -1;
      colon = i;
    }
    for (; i < len && (c = buf[i]!) !== LF; i++) scratch[i] = c;
    if (i >= len) return pause(st, len, ls, n + 1);
    if (i >= MAX_HEAD_BYTES || n === MAX_HEADERS) return -1;
    scratch[i] = LF;
    marks[4 * n] = ls;
    marks[4 * n + 1] = colon;
    marks[4 * n + 2] = buf[i - 1] === CR ? i - 1 : i;
    marks[4 * n + 3] = h;
    n++;
    i++;
  }
}

// Common field names by hash: using these constants, already internalized
// by V8, instead of fresh slices saves a string and a hash per field.
const KNOWN_SIZE = 1024;
const KNOWN: (string | undefined)[] = new Array(KNOWN_SIZE);
const KNOWN_BYTES: (Uint8Array | undefined)[] = new Array(KNOWN_SIZE);
const KNOWN_NAMES = (
  "accept accept-encoding accept-language accept-ranges " +
  "access-control-allow-origin age authorization cache-control " +
  "connection content-encoding content-length content-type cookie " +
  "date etag expires host if-modified-since if-none-match " +
  "keep-alive last-modified location origin pragma referer server " +
  "set-cookie strict-transport-security transfer-encoding upgrade " +
  "user-agent vary via x-forwarded-for x-forwarded-proto " +
  "x-request-id"
).split(" ");
for (const name of KNOWN_NAMES) {
  const h = nameHash(name);
  if (KNOWN[h & (KNOWN_SIZE - 1)] !== undefined) continue;
  KNOWN[h & (KNOWN_SIZE - 1)] = name;
  KNOWN_BYTES[h & (KNOWN_SIZE - 1)] = new TextEncoder().encode(name);
}

/** Hash of a lower-cased field name, as indexHead computes it. */
export function nameHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return h;
}

/** The name of the field at `marks[k]`, from `s` unless it is a known one. */
function fieldName(s: string, k: number): string {
  const a = marks[k]!;
  const b = marks[k + 1]!;
  const slot = marks[k + 3]! & (KNOWN_SIZE - 1);
  const kb = KNOWN_BYTES[slot];
  if (kb !== undefined && kb.length === b - a) {
    let i = 0;
    while (i < kb.length && kb[i] === scratch[a + i]) i++;
    if (i === kb.length) return KNOWN[slot]!;
  }
  return s.slice(a, b);
}

/** Header fields indexed by the last complete indexHead, whose text is `s`. */
function buildFields(s: string): HttpHeaders {
  const headers: HttpHeaders = newFields();
  let last = "";
  for (let k = 0; k < 4 * headIndex.fields; k += 4) {
    const colon = marks[k + 1]!;
    if (colon < 0) {
      setField(headers, last, headers[last] + " " + trimOws(s, marks[k]!, marks[k + 2]!));
      continue;
    }
    const name = fieldName(s, k);
    addField(headers, name, trimOws(s, colon + 1, marks[k + 2]!));
    last = name;
  }
  return headers;
}

/** Content-Length value as a number; -1 when invalid (RFC 9110 §8.6). */
function parseContentLength(v: string): number {
  if (v.includes(",")) {
    // A list of identical values is a duplicated header, not a conflict.
    const vs = v.split(",");
    const first = vs[0]!.trim();
    for (const x of vs) if (x.trim() !== first) return -1;
    v = first;
  }
  if (v.length === 0 || v.length > 16) return -1;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= Number.MAX_SAFE_INTEGER ? n : -1;
}

function isChunked(te: string): boolean {
  return te.slice(te.lastIndexOf(",") + 1).trim().toLowerCase() === "chunked";
}

/** Method of the request the next complete response will answer, or "". */
function methodForNextResponse(state: HttpState): string {
  const i = state.respQueue.length;
  const q = state.reqQueue[i];
  if (q !== undefined) return q.msg.method;
  const m = state.req.msg;
  return i === state.reqQueue.length && m !== null ? (m as HttpRequest | RenderedHttp).method : "";
}

/** parseHead: the message has no body. */
export const NO_BODY = 0;
/** parseHead: a body follows the head. */
export const BODY = 1;
/** parseHead: an interim 1xx response, to discard. */
export const INTERIM = 2;

/**
 * Parse the head `buf[0, end)` just indexed by {@linkcode indexHead} into
 * `st.msg` and set up body framing. Returns NO_BODY, BODY, INTERIM (a 1xx
 * to discard) or -1.
 */
export function parseHead(
  state: HttpState,
  st: StreamState,
  isReq: boolean,
  buf: Uint8Array,
  end: number,
): number {
  const text = latin1Text(scratch, 0, end);
  const headers = buildFields(text);
  const nl = headIndex.startLineEnd;
  const first = text.slice(0, buf[nl - 1] === CR ? nl - 1 : nl);
  const te = headers["transfer-encoding"];
  const cl = headers["content-length"];
  if (isReq) {
    const sp1 = first.indexOf(" ");
    const sp2 = first.indexOf(" ", sp1 + 1);
    st.msg = {
      method: first.slice(0, sp1),
      path: textAt(first, sp1 + 1, sp2),
      version: first.charCodeAt(sp2 + 8) === 49 ? "HTTP/1.1" : "HTTP/1.0",
      host: headers["host"] ?? "",
      headers,
      body: "",
      body_truncated: false,
    };
    return frameBody(state, st, true, 0, te, cl === undefined ? -2 : parseContentLength(cl));
  }
  const status = (first.charCodeAt(9) - 48) * 100 +
    (first.charCodeAt(10) - 48) * 10 + first.charCodeAt(11) - 48;
  st.msg = {
    status,
    reason: textAt(first, 13, first.length),
    version: first.charCodeAt(7) === 49 ? "HTTP/1.1" : "HTTP/1.0",
    headers,
    body: "",
    body_truncated: false,
  };
  return frameBody(state, st, false, status, te, cl === undefined ? -2 : parseContentLength(cl));
}

/**
 * Sets up the framing of the body that follows a head (`status` is a
 * response's), from its Transfer-Encoding value and Content-Length
 * (-1 invalid, -2 absent). Returns NO_BODY, BODY, INTERIM (a 1xx to
 * discard) or -1.
 */
export function frameBody(
  state: HttpState,
  st: StreamState,
  isReq: boolean,
  status: number,
  te: string | undefined,
  contentLength: number,
): number {
  if (contentLength === -1) return -1;
  const len = contentLength < 0 ? 0 : contentLength;
  st.mode = Mode.Length;
  st.remaining = len;
  if (isReq) {
    if (te !== undefined) {
      // A request body of unknown length cannot be framed (RFC 9112 §6.3).
      if (!isChunked(te)) return -1;
      st.mode = Mode.ChunkSize;
    }
    return st.mode === Mode.ChunkSize || len > 0 ? BODY : NO_BODY;
  }
  const method = methodForNextResponse(state);
  if (status < 200) {
    if (status !== 101) return INTERIM;
    st.tunnel = true;
    return NO_BODY;
  }
  if (method === "CONNECT" && status < 300) {
    st.tunnel = true;
    return NO_BODY;
  }
  if (method === "HEAD" || status === 204 || status === 304) return NO_BODY;
  if (te !== undefined) {
    st.mode = isChunked(te) ? Mode.ChunkSize : Mode.Close;
    return BODY;
  }
  if (contentLength === -2) st.mode = Mode.Close;
  return st.mode === Mode.Close || len > 0 ? BODY : NO_BODY;
}
