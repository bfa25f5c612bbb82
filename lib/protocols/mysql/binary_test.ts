import assert from "node:assert/strict";
import { decodeExecute, LONG_DATA, queryTextStart } from "./binary.ts";
import { cat, lstr, u16, u32 } from "./testdata.ts";
import type { Stmt } from "./types.ts";

type P = [type: number, unsigned: boolean, value: Uint8Array | number[] | null];

/** A COM_STMT_EXECUTE payload (command byte included) binding `params`. */
function execute(params: P[], bound = true, id = 1): Uint8Array {
  const n = params.length;
  const bitmap = new Array((n + 7) >> 3).fill(0);
  params.forEach(([, , v], k) => {
    if (v === null) bitmap[k >> 3] |= 1 << (k & 7);
  });
  const types = bound ? params.flatMap(([t, u]) => [t, u ? 0x80 : 0]) : [];
  const values = params.map(([, , v]) => v ?? []);
  return n === 0
    ? cat([0x17], u32(id), [0], u32(1))
    : cat([0x17], u32(id), [0], u32(1), bitmap, [bound ? 1 : 0], types, ...values.map((v) => cat(v)));
}

function stmt(params: number, types: Uint8Array | null = null): Stmt {
  return { sql: "SELECT ?", params, types, longData: 0 };
}

function f32(v: number): number[] {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, v, true);
  return [...new Uint8Array(b.buffer)];
}
function f64(v: number): number[] {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v, true);
  return [...new Uint8Array(b.buffer)];
}
function i64(v: bigint): number[] {
  const b = new DataView(new ArrayBuffer(8));
  b.setBigUint64(0, BigInt.asUintN(64, v), true);
  return [...new Uint8Array(b.buffer)];
}

const ALL: P[] = [
  [0x01, false, [0xfb]],
  [0x01, true, [0xfb]],
  [0x02, false, u16(0x8ad0)],
  [0x0d, true, u16(2024)],
  [0x03, false, u32(0x88ca6c00)],
  [0x09, true, u32(4000000000)],
  [0x08, false, i64(-9007199254740993n)],
  [0x08, true, i64(18446744073709551615n)],
  [0x08, false, i64(-42n)],
  [0x04, false, f32(1.1)],
  [0x05, false, f64(-0.1)],
  [0x05, false, f64(Infinity)],
  [0xfd, false, lstr("h\u00e9llo")],
  [0xf6, false, lstr("12.50")],
  [0xfc, false, lstr(new Uint8Array([0xff, 0x00]))],
  [0x06, false, null],
  [0x0f, false, null],
  [0x0c, false, [11, ...u16(2024), 5, 6, 7, 8, 9, ...u32(123)]],
  [0x07, false, [7, ...u16(1999), 12, 31, 23, 59, 58]],
  [0x0a, false, [4, ...u16(1999), 12, 31]],
  [0x0c, false, [0]],
  [0x0b, false, [12, 1, ...u32(1), 2, 3, 4, ...u32(500)]],
  [0x0b, false, [8, 0, ...u32(0), 10, 0, 5]],
];

const ALL_VALUES = [
  -5,
  251,
  -30000,
  2024,
  -2000000000,
  4000000000,
  "-9007199254740993",
  "18446744073709551615",
  -42,
  1.1,
  -0.1,
  "Infinity",
  "h\u00e9llo",
  "12.50",
  "\ufffd\u0000",
  null,
  null,
  "2024-05-06 07:08:09.000123",
  "1999-12-31 23:59:58",
  "1999-12-31",
  "0000-00-00 00:00:00",
  "-26:03:04.000500",
  "10:00:05",
];

Deno.test("decodeExecute decodes every binary-protocol type", () => {
  const d = decodeExecute(execute(ALL), true, stmt(ALL.length), 0, 1024);
  assert.deepEqual(d?.params, ALL_VALUES);
  assert.equal(d?.truncated, false);
  assert.equal(d?.types.length, 2 * ALL.length);
});

Deno.test("decodeExecute reuses remembered types when none are sent", () => {
  const withTypes = decodeExecute(execute(ALL), true, stmt(ALL.length), 0, 1024)!;
  const s = stmt(ALL.length, withTypes.types);
  assert.deepEqual(decodeExecute(execute(ALL, false), true, s, 0, 1024)?.params, ALL_VALUES);
  assert.equal(decodeExecute(execute(ALL, false), true, stmt(ALL.length), 0, 1024), null);
});

Deno.test("decodeExecute infers the count of a statement prepared before the capture", () => {
  const params: P[] = [[0x03, false, u32(7)], [0xfd, false, lstr("x")], [0x06, false, null]];
  assert.deepEqual(decodeExecute(execute(params), true, undefined, -1, 1024)?.params, [7, "x", null]);
  assert.deepEqual(decodeExecute(execute([]), true, undefined, -1, 1024)?.params, []);
  assert.equal(decodeExecute(execute(params, false), true, undefined, -1, 1024), null);
});

Deno.test("decodeExecute cuts strings at maxBodyBytes and decodes prefixes", () => {
  const params: P[] = [[0xfd, false, lstr("abcdefgh")], [0x03, false, u32(1)]];
  const d = decodeExecute(execute(params), true, stmt(2), 0, 3);
  assert.deepEqual(d, { params: ["abc", 1], types: d!.types, truncated: true });
  const whole = execute(params);
  const prefix = decodeExecute(whole.subarray(0, whole.length - 6), false, stmt(2), 0, 1024);
  assert.deepEqual(prefix?.params, ["abcdef"]);
  assert.equal(prefix?.truncated, true);
  assert.equal(decodeExecute(whole.subarray(0, 9), true, stmt(2), 0, 1024), null);
});

Deno.test("decodeExecute leaves parameters sent as long data out of the payload", () => {
  const s = stmt(2);
  s.longData = 1;
  const d = decodeExecute(execute([[0xfc, false, []], [0x01, false, [9]]]), true, s, 0, 1024);
  assert.deepEqual(d?.params, [LONG_DATA, 9]);
});

Deno.test("decodeExecute reads MySQL 8 query-attribute layouts", () => {
  // flags PARAMETER_COUNT_AVAILABLE, count 2, bitmap, bound, (type, name) x2, values.
  const b = cat([0x17], u32(1), [8], u32(1), [2, 0, 1, 3, 0], lstr(""), [0xfd, 0], lstr("attr"), u32(5), lstr("v"));
  assert.deepEqual(decodeExecute(b, true, stmt(1), 1, 1024)?.params, [5, "v"]);
  assert.deepEqual(decodeExecute(b, true, stmt(1), -1, 1024)?.params, [5, "v"]);
  assert.deepEqual(decodeExecute(b, true, undefined, 1, 1024)?.params, [5, "v"]);
});

Deno.test("queryTextStart skips query attributes", () => {
  const q = cat([0x03, 1, 1, 0, 1, 0xfd, 0], lstr("n"), lstr("val"), "SELECT 1");
  assert.equal(new TextDecoder().decode(q.subarray(queryTextStart(q))), "SELECT 1");
  assert.equal(queryTextStart(cat([0x03, 0, 1], "DO 1")), 3);
  assert.equal(queryTextStart(cat([0x03, 0, 2], "DO 1")), -1);
  assert.equal(queryTextStart(cat([0x03, 5, 1, 0, 1, 0xfd])), -1);
});

Deno.test("decodeExecute never throws on garbage", () => {
  let seed = 1;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let i = 0; i < 3000; i++) {
    const b = new Uint8Array(10 + (i % 60));
    for (let k = 0; k < b.length; k++) b[k] = next();
    b[10] = 0;
    b[11] = 1;
    for (const complete of [true, false]) {
      decodeExecute(b, complete, stmt(i % 9), -1, 16);
      decodeExecute(b, complete, undefined, -1, 16);
      decodeExecute(b, complete, stmt(i % 3), 1, 16);
    }
    queryTextStart(b);
  }
});
