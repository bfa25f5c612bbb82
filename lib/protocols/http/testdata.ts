/**
 * Fixtures and a miniature connection tracker shared by the HTTP tests.
 *
 * @module
 */

import { type Exchange, Stream } from "../common/parser.ts";
import { httpParser } from "./mod.ts";
import type { HttpHeaders, HttpRequest, HttpResponse, HttpState } from "./types.ts";
import { materialize } from "./render.ts";
import { newFields, setField } from "../common/fields.ts";

/** A GET with a repeated header and odd whitespace. */
export const GET_REQ = "GET /index.html?q=1 HTTP/1.1\r\n" +
  "Host: example.com\r\n" +
  "User-Agent: curl/8.0\r\n" +
  "X-Dup: a\r\n" +
  "x-dup:  b \t\r\n" +
  "\r\n";

/** A POST with a Content-Length body. */
export const POST_REQ = "POST /api/items HTTP/1.1\r\n" +
  "Host: api.local:8080\r\n" +
  "Content-Type: application/json\r\n" +
  "Content-Length: 13\r\n" +
  "\r\n" +
  '{"name":"ab"}';

/** A 200 with a five-byte body. */
export const OK_RESP = "HTTP/1.1 200 OK\r\n" +
  "Content-Length: 5\r\n" +
  "\r\n" +
  "hello";

/** A chunked 200 with a chunk extension and a trailer. */
export const CHUNKED_RESP = "HTTP/1.1 200 OK\r\n" +
  "Transfer-Encoding: chunked\r\n" +
  "Content-Type: text/plain\r\n" +
  "\r\n" +
  "5;name=val\r\nHello\r\n" +
  "7\r\n, world\r\n" +
  "0\r\n" +
  "X-Checksum: abc\r\n" +
  "\r\n";

/** The i-th queued request, as an object. */
export function reqMsg(st: HttpState, i = 0): HttpRequest {
  return materialize<HttpRequest>(st.reqQueue[i]!.msg);
}

/** The i-th queued response, as an object. */
export function respMsg(st: HttpState, i = 0): HttpResponse {
  return materialize<HttpResponse>(st.respQueue[i]!.msg);
}

/** Bytes of a Latin-1/ASCII string. */
export function bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** A header object like the parser's, to compare with parsed headers. */
export function hdrs(o: Record<string, string>): HttpHeaders {
  const h = newFields();
  for (const [k, v] of Object.entries(o)) setField(h, k, v);
  return h;
}

/** Deterministic PRNG (mulberry32) returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What the connection tracker does, in small: keep each stream's unconsumed
 * bytes with the time of each read, call parseFrame until it returns 0, drop
 * consumed bytes (overwriting them, so a parser that kept views into them is
 * caught), resync with findBoundary after -1, and match after every read.
 */
export class Sim {
  /** The parser state under test. */
  readonly state: HttpState;
  /** Exchanges matched so far. */
  readonly out: Exchange[] = [];
  /** Number of -1 results seen. */
  invalid = 0;
  /** Largest unconsumed buffer held, in bytes. */
  maxHeld = 0;
  private bufs: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  private reads: { end: number; ts: number }[][] = [[], []];

  constructor(maxBodyBytes = 1024, renderJson = false) {
    this.state = httpParser.createState({ maxBodyBytes, datagram: false, renderJson });
  }

  /** One read of `data` on `stream` at time `ts`. */
  push(stream: Stream, data: string | Uint8Array, ts: number): void {
    const d = typeof data === "string" ? bytes(data) : data;
    const old = this.bufs[stream]!;
    const buf = new Uint8Array(old.length + d.length);
    buf.set(old);
    buf.set(d, old.length);
    this.bufs[stream] = buf;
    const reads = this.reads[stream]!;
    reads.push({ end: buf.length, ts });
    this.maxHeld = Math.max(this.maxHeld, buf.length);
    for (;;) {
      const b = this.bufs[stream]!;
      if (b.length === 0) break;
      const r = httpParser.parseFrame(
        this.state,
        stream,
        b,
        reads[0]!.ts,
        reads[reads.length - 1]!.ts,
      );
      if (r === 0) break;
      if (r > 0) this.drop(stream, r);
      else {
        this.invalid++;
        const at = httpParser.findBoundary(this.state, stream, b, 1);
        this.drop(stream, at < 0 ? b.length : at);
      }
    }
    httpParser.match(this.state, this.out, false);
  }

  /** Bytes the kernel did not copy, then match. */
  skip(stream: Stream, len: number, ts: number): boolean {
    const ok = httpParser.skip(this.state, stream, len, ts);
    httpParser.match(this.state, this.out, false);
    return ok;
  }

  /** The connection closed at `ts`. */
  close(ts: number): void {
    httpParser.finish(this.state, ts);
    httpParser.match(this.state, this.out, true);
  }

  private drop(stream: Stream, n: number): void {
    const b = this.bufs[stream]!;
    b.fill(0xee, 0, n);
    this.bufs[stream] = b.subarray(n);
    const reads = this.reads[stream]!;
    for (const r of reads) r.end -= n;
    while (reads.length > 0 && reads[0]!.end <= 0) reads.shift();
  }
}
