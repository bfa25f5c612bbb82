/**
 * Message builders and real-capture unpacking shared by the PostgreSQL
 * tests and the benchmark.
 *
 * @module
 */

import { Stream } from "../common/parser.ts";

const enc = new TextEncoder();

/** Concatenation of byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) out.set(x, o), (o += x.length);
  return out;
}

/** Bytes of a string (UTF-8). */
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}

function be32(n: number): Uint8Array {
  return new Uint8Array([
    (n >>> 24) & 255,
    (n >>> 16) & 255,
    (n >>> 8) & 255,
    n & 255,
  ]);
}

function be16(n: number): Uint8Array {
  return new Uint8Array([(n >>> 8) & 255, n & 255]);
}

function z(s: string): Uint8Array {
  return cat(utf8(s), new Uint8Array(1));
}

/** A typed message: type byte, length, content. */
export function msg(tag: string, ...content: Uint8Array[]): Uint8Array {
  const body = cat(...content);
  return cat(new Uint8Array([tag.charCodeAt(0)]), be32(body.length + 4), body);
}

/** Frontend message builders. */
export const fe = {
  ssl: (): Uint8Array => cat(be32(8), be32(80877103)),
  gss: (): Uint8Array => cat(be32(8), be32(80877104)),
  cancel: (pid: number, key: number): Uint8Array => cat(be32(16), be32(80877102), be32(pid), be32(key)),
  startup: (user = "postgres"): Uint8Array => {
    const body = cat(
      be32(196608),
      z("user"),
      z(user),
      z("database"),
      z("postgres"),
      new Uint8Array(1),
    );
    return cat(be32(body.length + 4), body);
  },
  query: (sql: string): Uint8Array => msg("Q", z(sql)),
  parse: (name: string, sql: string, types: number[] = []): Uint8Array =>
    msg("P", z(name), z(sql), be16(types.length), ...types.map(be32)),
  bind: (
    portal: string,
    stmt: string,
    params: (string | Uint8Array | null)[] = [],
    fmts: number[] = [],
  ): Uint8Array =>
    msg(
      "B",
      z(portal),
      z(stmt),
      be16(fmts.length),
      ...fmts.map(be16),
      be16(params.length),
      ...params.map((v) => {
        if (v === null) return be32(0xffffffff);
        const b = typeof v === "string" ? utf8(v) : v;
        return cat(be32(b.length), b);
      }),
      be16(0),
    ),
  describe: (kind: "S" | "P", name = ""): Uint8Array => msg("D", utf8(kind), z(name)),
  execute: (portal = "", maxRows = 0): Uint8Array => msg("E", z(portal), be32(maxRows)),
  close: (kind: "S" | "P", name: string): Uint8Array => msg("C", utf8(kind), z(name)),
  sync: (): Uint8Array => msg("S"),
  flush: (): Uint8Array => msg("H"),
  terminate: (): Uint8Array => msg("X"),
  copyData: (s: string): Uint8Array => msg("d", utf8(s)),
  copyDone: (): Uint8Array => msg("c"),
  fn: (oid: number, args: string[]): Uint8Array =>
    msg(
      "F",
      be32(oid),
      be16(0),
      be16(args.length),
      ...args.map((a) => cat(be32(utf8(a).length), utf8(a))),
      be16(0),
    ),
  password: (pw: string): Uint8Array => msg("p", z(pw)),
};

/** Backend message builders. */
export const be = {
  authOk: (): Uint8Array => msg("R", be32(0)),
  authMd5: (): Uint8Array => msg("R", be32(5), new Uint8Array([1, 2, 3, 4])),
  status: (k: string, v: string): Uint8Array => msg("S", z(k), z(v)),
  key: (pid: number, key: number): Uint8Array => msg("K", be32(pid), be32(key)),
  ready: (st = "I"): Uint8Array => msg("Z", utf8(st)),
  rowDesc: (...names: string[]): Uint8Array =>
    msg(
      "T",
      be16(names.length),
      ...names.map((n) => cat(z(n), new Uint8Array(18))),
    ),
  row: (...vals: (string | null)[]): Uint8Array =>
    msg(
      "D",
      be16(vals.length),
      ...vals.map((
        v,
      ) => (v === null ? be32(0xffffffff) : cat(be32(utf8(v).length), utf8(v)))),
    ),
  done: (tag: string): Uint8Array => msg("C", z(tag)),
  error: (code: string, message: string, sev = "ERROR"): Uint8Array =>
    msg(
      "E",
      z(`S${sev}`),
      z(`V${sev}`),
      z(`C${code}`),
      z(`M${message}`),
      new Uint8Array(1),
    ),
  notice: (message: string): Uint8Array =>
    msg(
      "N",
      z("SNOTICE"),
      z("VNOTICE"),
      z("C00000"),
      z(`M${message}`),
      new Uint8Array(1),
    ),
  notify: (pid: number, ch: string, payload: string): Uint8Array => msg("A", be32(pid), z(ch), z(payload)),
  parseOk: (): Uint8Array => msg("1"),
  bindOk: (): Uint8Array => msg("2"),
  closeOk: (): Uint8Array => msg("3"),
  noData: (): Uint8Array => msg("n"),
  paramDesc: (...oids: number[]): Uint8Array => msg("t", be16(oids.length), ...oids.map(be32)),
  empty: (): Uint8Array => msg("I"),
  suspended: (): Uint8Array => msg("s"),
  copyIn: (): Uint8Array => msg("G", new Uint8Array([0]), be16(0)),
  copyOut: (): Uint8Array => msg("H", new Uint8Array([0]), be16(0)),
  copyData: (s: string): Uint8Array => msg("d", utf8(s)),
  copyDone: (): Uint8Array => msg("c"),
  fnResult: (v: string): Uint8Array => msg("V", be32(utf8(v).length), utf8(v)),
};

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

/** One recv() chunk of a capture. */
export interface Chunk {
  stream: Stream;
  bytes: Uint8Array;
}

/** The chunks of a capture from testdata/captures.ts (client → server is the request stream). */
export async function unpackCapture(b64: string): Promise<Chunk[]> {
  const gz = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const raw = new Uint8Array(
    await new Response(
      new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip")),
    ).arrayBuffer(),
  );
  const chunks: Chunk[] = [];
  for (let i = 0; i + 5 <= raw.length;) {
    const len = ((raw[i + 1]! << 24) | (raw[i + 2]! << 16) | (raw[i + 3]! << 8) |
      raw[i + 4]!) >>> 0;
    chunks.push({
      stream: raw[i] === 0 ? Stream.Request : Stream.Response,
      bytes: raw.subarray(i + 5, i + 5 + len),
    });
    i += 5 + len;
  }
  return chunks;
}
