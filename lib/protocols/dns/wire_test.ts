import assert from "node:assert/strict";
import { Reader } from "./wire.ts";
import { wireName } from "./testdata.ts";

/** A reader over a 12-byte zero header followed by `body`. */
function over(body: number[]): Reader {
  const b = new Uint8Array([...new Array(12).fill(0), ...body]);
  const r = new Reader();
  r.reset(b, 0, b.length);
  r.pos = 12;
  return r;
}

/** Names read one after the other from the start of the body. */
function names(body: number[], count: number): (string | null)[] {
  const r = over(body);
  const out: (string | null)[] = [];
  for (let i = 0; i < count; i++) out.push(r.name(r.end));
  return out;
}

Deno.test("name decodes labels, the root, and stops after the name", () => {
  const r = over([...wireName("www.Example.com"), 0xab]);
  assert.equal(r.name(r.end), "www.Example.com");
  assert.equal(r.pos, 12 + 17);
  assert.deepEqual(names([0], 1), ["."]);
});

Deno.test("name follows compression pointers and resumes after the first one", () => {
  // 12: example.com, 25: www + ptr(12), 31: ptr(25), 33: mail + ptr(20 = "com")
  const body = [
    ...wireName("example.com"),
    3,
    119,
    119,
    119,
    0xc0,
    12,
    0xc0,
    25,
    4,
    109,
    97,
    105,
    108,
    0xc0,
    20,
  ];
  const r = over(body);
  assert.equal(r.name(r.end), "example.com");
  assert.equal(r.name(r.end), "www.example.com");
  assert.equal(r.pos, 31);
  assert.equal(r.name(r.end), "www.example.com");
  assert.equal(r.pos, 33);
  assert.equal(r.name(r.end), "mail.com");
  assert.equal(r.pos, r.end);
});

Deno.test("name resolves pointers the same with and without remembered suffixes", () => {
  // The same pointer read in a fresh reader (nothing remembered) and after
  // the target was decoded.
  const body = [...wireName("a.b.c"), 1, 120, 0xc0, 14];
  assert.deepEqual(names(body, 2), ["a.b.c", "x.b.c"]);
  const r = over(body);
  r.pos = 19;
  assert.equal(r.name(r.end), "x.b.c");
});

Deno.test("name escapes dots, backslashes and non-printable bytes", () => {
  assert.deepEqual(names([5, 97, 46, 98, 92, 32, 3, 0, 255, 65, 0], 1), [
    "a\\046b\\092\\032.\\000\\255A",
  ]);
});

Deno.test("name rejects pointer loops, forward pointers and pointers into the header", () => {
  assert.deepEqual(names([0xc0, 12], 1), [null], "pointer to itself");
  assert.deepEqual(
    names([1, 97, 0xc0, 12], 1),
    [null],
    "label then pointer back to it",
  );
  assert.deepEqual(names([0xc0, 14, 0], 1), [null], "forward pointer");
  assert.deepEqual(names([0xc0, 3], 1), [null], "pointer into the header");
  assert.deepEqual(
    names([0xc0, 14, 0xc0, 12], 2),
    [null, null],
    "two pointers at each other",
  );
});

Deno.test("name bounds chains of pointers", () => {
  // 200 pointers, each to the one before, ending at a root: the chain is
  // followed at most MAX_JUMPS (128) deep.
  const body = [0];
  for (let i = 0; i < 200; i++) {
    const to = 12 + Math.max(0, 2 * i - 1);
    body.push(0xc0 | (to >> 8), to & 0xff);
  }
  const r = over(body);
  r.pos = 12 + body.length - 2;
  assert.equal(r.name(r.end), null);
  r.pos = 12 + 1 + 2 * 10;
  assert.equal(r.name(r.end), ".");
});

Deno.test("name rejects names longer than 255 bytes, also when built from pointers", () => {
  const label = [63, ...new Array(63).fill(97)];
  assert.deepEqual(
    names([...label, ...label, ...label, 61, ...new Array(61).fill(98), 0], 1)
      .map((n) => n?.length),
    [253],
  );
  assert.deepEqual(
    names([...label, ...label, ...label, 62, ...new Array(62).fill(98), 0], 1),
    [null],
  );
  // 192 bytes of labels, then a name of two labels and a pointer to them: fine;
  // three more 63-byte labels and the same pointer: too long.
  const long = [...label, ...label, ...label, 0];
  assert.deepEqual(
    names([...long, 1, 120, 0xc0, 12], 2).map((n) => n?.length),
    [191, 193],
  );
  assert.deepEqual(
    names([...long, ...label, 0xc0, 12], 2).map((n) => n?.length),
    [191, undefined],
  );
});

Deno.test("name rejects truncated names, reserved label types and labels past the limit", () => {
  assert.deepEqual(names([3, 97, 98], 1), [null]);
  assert.deepEqual(names([3, 97, 98, 99], 1), [null]);
  assert.deepEqual(names([0xc0], 1), [null]);
  assert.deepEqual(names([0x40, 0], 1), [null]);
  assert.deepEqual(names([0x80, 0], 1), [null]);
  const r = over([3, 97, 98, 99, 0]);
  assert.equal(r.name(r.end - 1), null);
});

Deno.test("skipName moves past labels or one pointer without following it", () => {
  const r = over([...wireName("a.bc"), 1, 120, 0xc0, 12, 0xc0, 40]);
  assert.ok(r.skipName(r.end));
  assert.equal(r.pos, 18);
  assert.ok(r.skipName(r.end));
  assert.equal(r.pos, 22);
  assert.equal(r.skipName(r.end), false, "forward pointer");
  assert.equal(over([0xc0, 12]).skipName(14), false, "pointer to itself");
  assert.equal(over([5, 97]).skipName(14), false);
});

Deno.test("u16 and u32 read big-endian unsigned values", () => {
  const r = new Reader();
  r.reset(new Uint8Array([0xff, 0xfe, 0x80, 0x00, 0x00, 0x01]), 0, 6);
  assert.equal(r.u16(0), 0xfffe);
  assert.equal(r.u32(0), 0xfffe8000);
  assert.equal(r.u32(2), 0x80000001);
});

Deno.test("name counts the pointers behind a remembered suffix", () => {
  // 12: root; 13..: 127 pointers, each to the one before; then "a" and a
  // pointer to the chain's end (128 jumps); then a pointer to "a" (129).
  const body = [0];
  for (let i = 0; i < 127; i++) {
    const to = i === 0 ? 12 : 13 + 2 * (i - 1);
    body.push(0xc0 | (to >> 8), to & 0xff);
  }
  const end = 13 + 2 * 126;
  const a = 12 + body.length;
  body.push(1, 97, 0xc0 | (end >> 8), end & 0xff, 0xc0 | (a >> 8), a & 0xff);
  const warm = over(body);
  warm.pos = a;
  assert.equal(warm.name(warm.end), "a");
  assert.equal(warm.name(warm.end), null);
  const cold = over(body);
  cold.pos = a + 4;
  assert.equal(cold.name(cold.end), null);
});
