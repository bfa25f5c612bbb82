import assert from "node:assert/strict";
import { cut, ipv6, rdataText } from "./rdata.ts";
import { wireName } from "./testdata.ts";
import { Reader } from "./wire.ts";

/** rdataText of `rdata` placed after a zero header and `before`. */
function text(
  type: number,
  rdata: number[],
  max = 200,
  before: number[] = [],
): string {
  const b = new Uint8Array([...new Array(12).fill(0), ...before, ...rdata]);
  const r = new Reader();
  r.reset(b, 0, b.length);
  return rdataText(r, type, 12 + before.length, rdata.length, max);
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

Deno.test("A and AAAA print as addresses; AAAA per RFC 5952", () => {
  assert.equal(text(1, [93, 184, 216, 34]), "93.184.216.34");
  const v6 = (hex: string) => ipv6(new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16))), 0);
  assert.equal(v6("20010db8000000000000000000000001"), "2001:db8::1");
  assert.equal(v6("00000000000000000000000000000000"), "::");
  assert.equal(v6("00000000000000000000000000000001"), "::1");
  assert.equal(v6("20010db8000000010000000000000000"), "2001:db8:0:1::");
  assert.equal(
    v6("20010db8000100000001000000000001"),
    "2001:db8:1:0:1::1",
    "first of equal runs",
  );
  assert.equal(
    v6("20010db8000000010000000000000001"),
    "2001:db8:0:1::1",
    "longest run",
  );
  assert.equal(v6("20010db8000100010001000100010001"), "2001:db8:1:1:1:1:1:1");
  assert.equal(
    v6("20010db8000000010001000100010001"),
    "2001:db8:0:1:1:1:1:1",
    "a single zero group stays",
  );
  assert.equal(text(28, [0xfd, ...new Array(14).fill(0), 7]), "fd00::7");
});

Deno.test("name types print the name, following pointers outside the data", () => {
  assert.equal(text(5, wireName("host.test")), "host.test");
  assert.equal(
    text(2, [2, 110, 115, 0xc0, 12], 200, wireName("zone.test")),
    "ns.zone.test",
  );
  assert.equal(text(12, [0xc0, 12], 200, wireName("x.arpa")), "x.arpa");
});

Deno.test("MX, SRV and SOA print their fields in zone-file order", () => {
  assert.equal(
    text(15, [0, 10, ...wireName("mail.mx.test")]),
    "10 mail.mx.test",
  );
  assert.equal(
    text(33, [0, 10, 0, 20, 0x13, 0xc4, ...wireName("host.test")]),
    "10 20 5060 host.test",
  );
  const soa = [
    ...wireName("ns.z"),
    ...wireName("hm.z"),
    0x78,
    0xa3,
    0xf1,
    0x75,
    0,
    0,
    4,
    176,
    0,
    0,
    0,
    120,
    0,
    18,
    117,
    0,
    0,
    0,
    2,
    88,
  ];
  assert.equal(text(6, soa), "ns.z hm.z 2024010101 1200 120 1209600 600");
});

Deno.test("TXT strings are concatenated; non-ASCII is decoded as UTF-8", () => {
  assert.equal(
    text(16, [11, ...ascii("hello world"), 3, ...ascii("abc")]),
    "hello worldabc",
  );
  assert.equal(text(16, [0]), "");
  assert.equal(text(16, [2, 0xc3, 0xa9]), "\u00e9");
  assert.equal(text(99, [5, ...ascii("hello")]), "hello");
});

Deno.test("CAA prints flags, tag and quoted value", () => {
  assert.equal(
    text(257, [0, 5, ...ascii("issue"), ...ascii("letsencrypt.org")]),
    '0 issue "letsencrypt.org"',
  );
  assert.equal(text(257, [128, 3, ...ascii("tag")]), '128 tag ""');
});

Deno.test("SVCB and HTTPS print priority, target and known parameters", () => {
  const params = [
    ...[0, 0, 0, 2, 0, 1], // mandatory=key1
    ...[0, 1, 0, 6, 2, 104, 50, 2, 104, 51], // alpn=h2,h3
    ...[0, 2, 0, 0], // no-default-alpn
    ...[0, 3, 0, 2, 0x20, 0xfb], // port=8443
    ...[0, 4, 0, 8, 10, 0, 0, 7, 10, 0, 0, 8], // ipv4hint
    ...[0, 6, 0, 16, 0x20, 1, 0x0d, 0xb8, ...new Array(11).fill(0), 1], // ipv6hint
    ...[0, 9, 0, 2, 0xab, 0xcd], // unknown key
  ];
  assert.equal(
    text(65, [0, 1, 0, ...params]),
    "1 . mandatory=key1 alpn=h2,h3 no-default-alpn port=8443 ipv4hint=10.0.0.7,10.0.0.8 ipv6hint=2001:db8::1 key9=abcd",
  );
  assert.equal(text(64, [0, 0, ...wireName("svc.test")]), "0 svc.test");
});

Deno.test("other types, and data that does not fit its type, print as hex", () => {
  assert.equal(
    text(99, [3, 2]),
    "0302",
    "TXT-style string longer than the data",
  );
  assert.equal(text(48, [1, 0xab, 0xff]), "01abff");
  assert.equal(text(1, [1, 2, 3]), "010203", "A with 3 bytes");
  assert.equal(text(28, [1, 2, 3, 4]), "01020304");
  assert.equal(text(15, [0, 10, 3, 97]), "000a0361", "MX exchange cut short");
  assert.equal(text(5, [0xc0, 40]), "c028", "pointer past the data");
  assert.equal(
    text(6, [...wireName("a"), ...wireName("b"), 0, 0]),
    "0161000162000000",
  );
  assert.equal(text(257, [0, 9, 97]), "000961");
  assert.equal(
    text(65, [0, 1, 0, 0, 1, 0, 9, 1]),
    "0001000001000901",
    "SvcParam longer than the data",
  );
  assert.equal(text(33, [0, 1]), "0001");
});

Deno.test("data longer than the limit is cut, and hex only reads what it prints", () => {
  assert.equal(cut("abcdef", 4), "abcd...");
  assert.equal(cut("abcd", 4), "abcd");
  assert.equal(text(16, [10, ...ascii("0123456789")], 4), "0123...");
  assert.equal(text(48, new Array(10000).fill(0xab), 6), "ababab...");
  assert.equal(text(1, [10, 0, 0, 1], 0), "...");
  const big = new Array(300).fill(0);
  for (let i = 0; i < 300; i += 3) big.splice(i, 3, 2, 97, 98);
  assert.equal(text(16, big.slice(0, 300), 10), "ababababab...");
});
