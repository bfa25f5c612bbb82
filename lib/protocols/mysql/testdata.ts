/**
 * Packet builders and a miniature connection tracker shared by the MySQL
 * tests. Captured sessions live in testdata/ (see testdata/capture/ for the
 * relay and raw client that recorded them).
 *
 * @module
 */

import { type Exchange, Stream } from "../common/parser.ts";
import { mysqlParser } from "./mod.ts";
import type { MysqlState } from "./types.ts";
import type { Chunk } from "./testdata/chunk.ts";

const enc = new TextEncoder();

/** Bytes of a hex string. */
export function hex(s: string): Uint8Array {
  const b = new Uint8Array(s.length >> 1);
  for (let i = 0; i < b.length; i++) {
    b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  }
  return b;
}

/** Concatenation of byte arrays and strings (UTF-8) and byte values. */
export function cat(...parts: (Uint8Array | string | number[])[]): Uint8Array {
  const bs = parts.map((p) => typeof p === "string" ? enc.encode(p) : p instanceof Uint8Array ? p : new Uint8Array(p));
  const out = new Uint8Array(bs.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of bs) (out.set(b, o)), (o += b.length);
  return out;
}

/** One packet: 3-byte length, sequence id, payload. */
export function pkt(seq: number, ...payload: (Uint8Array | string | number[])[]): Uint8Array {
  const p = cat(...payload);
  return cat([p.length & 255, (p.length >> 8) & 255, p.length >> 16, seq & 255], p);
}

/** A length-encoded integer. */
export function lenenc(n: number): number[] {
  if (n < 251) return [n];
  if (n < 65536) return [0xfc, n & 255, n >> 8];
  return [0xfd, n & 255, (n >> 8) & 255, n >> 16];
}

/** A length-encoded string. */
export function lstr(s: string | Uint8Array): Uint8Array {
  const b = typeof s === "string" ? enc.encode(s) : s;
  return cat(lenenc(b.length), b);
}

/** Little-endian 16-bit integer bytes. */
export function u16(n: number): number[] {
  return [n & 255, (n >> 8) & 255];
}
/** Little-endian 32-bit integer bytes. */
export function u32(n: number): number[] {
  return [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];
}

/** COM_QUERY packet. */
export function query(sql: string): Uint8Array {
  return pkt(0, [0x03], sql);
}

/** OK packet with header `h` (0x00, or 0xFE ending a result set with CLIENT_DEPRECATE_EOF). */
export function ok(seq: number, affected = 0, insertId = 0, status = 2, warnings = 0, h = 0): Uint8Array {
  return pkt(seq, [h], lenenc(affected), lenenc(insertId), u16(status), u16(warnings));
}

/** ERR packet. */
export function err(seq: number, code: number, state: string, msg: string): Uint8Array {
  return pkt(seq, [0xff], u16(code), "#" + state, msg);
}

/** Classic 5-byte EOF packet. */
export function eof(seq: number, status = 2, warnings = 0): Uint8Array {
  return pkt(seq, [0xfe], u16(warnings), u16(status));
}

/** Column definition packet. */
export function coldef(seq: number, name: string): Uint8Array {
  return pkt(seq, lstr("def"), lstr("db"), lstr("t"), lstr("t"), lstr(name), lstr(name), [
    0x0c,
    ...u16(33),
    ...u32(255),
    0xfd,
    0,
    0,
    0,
    0,
    0,
  ]);
}

/** Text row packet. */
export function textRow(seq: number, ...values: (string | null)[]): Uint8Array {
  return pkt(seq, ...values.map((v) => (v === null ? new Uint8Array([0xfb]) : lstr(v))));
}

/**
 * A whole text result set answering a command: count, definitions, EOF
 * (unless `deprecateEof`), rows, terminator with `status`.
 */
export function resultSet(
  cols: string[],
  rows: (string | null)[][],
  opts: { deprecateEof?: boolean; status?: number; seq?: number } = {},
): Uint8Array {
  let seq = opts.seq ?? 1;
  const parts: Uint8Array[] = [pkt(seq++, lenenc(cols.length))];
  for (const c of cols) parts.push(coldef(seq++, c));
  if (!opts.deprecateEof) parts.push(eof(seq++));
  for (const r of rows) parts.push(textRow(seq++, ...r));
  const status = opts.status ?? 2;
  parts.push(opts.deprecateEof ? ok(seq, 0, 0, status, 0, 0xfe) : eof(seq, status));
  return cat(...parts);
}

/** The chunks of a captured session, optionally only one direction. */
export function chunks(session: Chunk[]): { stream: Stream; data: Uint8Array }[] {
  return session.map(([d, h]) => ({
    stream: d === "c" ? Stream.Request : Stream.Response,
    data: hex(h),
  }));
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
  readonly state: MysqlState;
  /** Exchanges matched so far. */
  readonly out: Exchange[] = [];
  /** Number of -1 results seen. */
  invalid = 0;
  /** Largest unconsumed buffer held, in bytes. */
  maxHeld = 0;
  private bufs: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  private reads: { end: number; ts: number }[][] = [[], []];

  constructor(maxBodyBytes = 1024) {
    this.state = mysqlParser.createState({ maxBodyBytes, datagram: false });
  }

  /** One read of `data` on `stream` at time `ts`. */
  push(stream: Stream, data: Uint8Array, ts: number): void {
    if (data.length === 0) return; // The tracker never appends nothing.
    const old = this.bufs[stream]!;
    const buf = new Uint8Array(old.length + data.length);
    buf.set(old);
    buf.set(data, old.length);
    this.bufs[stream] = buf;
    const reads = this.reads[stream]!;
    reads.push({ end: buf.length, ts });
    this.maxHeld = Math.max(this.maxHeld, buf.length);
    for (;;) {
      const b = this.bufs[stream]!;
      if (b.length === 0) break;
      const r = mysqlParser.parseFrame(this.state, stream, b, reads[0]!.ts, reads[reads.length - 1]!.ts);
      if (r === 0) break;
      if (r > 0) this.drop(stream, r);
      else {
        this.invalid++;
        mysqlParser.reset(this.state);
        const at = mysqlParser.findBoundary(this.state, stream, b, 1);
        this.drop(stream, at < 0 ? b.length : at);
      }
    }
    mysqlParser.match(this.state, this.out, false);
  }

  /** Replay captured chunks, read i at time base + 10 * i. */
  replay(session: Chunk[], base = 1000): void {
    chunks(session).forEach((c, i) => this.push(c.stream, c.data, base + 10 * i));
  }

  /** Bytes the kernel did not copy, then match. */
  skip(stream: Stream, len: number, ts: number): boolean {
    const ok = mysqlParser.skip(this.state, stream, len, ts);
    mysqlParser.match(this.state, this.out, false);
    return ok;
  }

  /** The connection closed at `ts`. */
  close(ts: number): void {
    mysqlParser.finish(this.state, ts);
    mysqlParser.match(this.state, this.out, true);
  }

  /** Unconsumed bytes held for `stream`. */
  held(stream: Stream): number {
    return this.bufs[stream]!.length;
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
