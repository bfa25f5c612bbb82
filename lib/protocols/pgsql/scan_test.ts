import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { pgsqlParser as p } from "./mod.ts";
import { findRequestStart, findResponseStart, requestAt, responseAt } from "./scan.ts";
import { be, cat, fe, msg, rng, unpackCapture, utf8 } from "./testdata.ts";
import * as caps from "./testdata/captures.ts";

const YES = 1;

/** Offsets of the messages of one direction of a capture. */
function starts(b: Uint8Array, from: number): Set<number> {
  const be32 = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  const at = new Set<number>();
  // Untagged messages count their length from their first byte.
  for (let i = from; i < b.length; i += b[i] === 0 ? be32(i) : 1 + be32(i + 1)) at.add(i);
  return at;
}

Deno.test("in real captures, every message start is found and nothing else is", async () => {
  for (const [name, b64] of Object.entries(caps)) {
    if (name === "SSL_ACCEPTED") continue;
    const chunks = await unpackCapture(b64);
    for (const stream of [Stream.Request, Stream.Response]) {
      const b = cat(...chunks.filter((c) => c.stream === stream).map((c) => c.bytes));
      // Skip the server's one-byte answer to SSLRequest.
      const first = stream === Stream.Response && b[0] === 0x4e ? 1 : 0;
      const msgs = starts(b, first);
      for (let i = first; i < b.length; i++) {
        const yes = (stream === Stream.Request ? requestAt(b, i) : responseAt(b, i)) === YES;
        // CopyData, CopyDone and password messages never start a resync.
        const exempt = "dcp".includes(String.fromCharCode(b[i]!));
        if (msgs.has(i) && !exempt) assert.ok(yes, `${name} ${stream}: message at ${i} not found`);
        if (!msgs.has(i)) assert.ok(!yes, `${name} ${stream}: false start at ${i}`);
      }
    }
  }
});

Deno.test("every request read of the captures is a resync point", async () => {
  for (const [name, b64] of Object.entries(caps)) {
    if (name === "SSL_ACCEPTED") continue;
    for (const c of await unpackCapture(b64)) {
      if (c.stream !== Stream.Request || "dcp".includes(String.fromCharCode(c.bytes[0]!))) continue;
      assert.equal(findRequestStart(c.bytes, 0), 0, name);
    }
  }
});

Deno.test("request starts need their structure: names, NULs, exact lengths", () => {
  const yes = [
    fe.query("SELECT 1"),
    fe.query(""),
    fe.parse("stmt_1", "SELECT $1", [23]),
    fe.bind("p", "s", ["1", null], [0]),
    fe.describe("S", "s"),
    fe.close("P", "p"),
    fe.execute("", 100),
    fe.sync(),
    fe.flush(),
    fe.terminate(),
    fe.fn(1598, ["x"]),
    fe.ssl(),
    fe.gss(),
    fe.cancel(1, 2),
    fe.startup(),
    cat(fe.parse("", "SELECT 1"), fe.bind("", ""), fe.execute(), fe.sync()),
    // Not whole in the buffer: enough SQL to tell.
    fe.query("SELECT " + "x".repeat(100)).subarray(0, 60),
  ];
  for (const b of yes) assert.equal(findRequestStart(b, 0), 0, String(b.subarray(0, 12)));
  const no = [
    msg("Q", utf8("SELECT 1")), // no NUL
    msg("Q", utf8("SEL\x01ECT\0")), // control byte
    msg("S", utf8("x")),
    msg("E", utf8("\0\0\0\0")), // short
    msg("D", utf8("Xname\0")),
    msg("P", utf8("s\0SELECT 1\0\0\x01")), // parameter count without OIDs
    cat(fe.query("SELECT 1"), utf8("!garbage")), // not followed by a message
    utf8("SELECT 1"),
    cat(new Uint8Array([0, 0, 0, 12]), new Uint8Array([0, 3, 0, 0]), utf8("user")), // no NUL
  ];
  for (const b of no) assert.equal(findRequestStart(b, 0), -1, String(b.subarray(0, 12)));
  // Too little to tell: -1, so the tracker waits for more.
  assert.equal(findRequestStart(fe.query("SELECT " + "x".repeat(100)).subarray(0, 20), 0), -1);
  assert.equal(findRequestStart(fe.startup().subarray(0, 20), 0), -1);
  // Later starts are found after garbage.
  assert.equal(findRequestStart(cat(utf8("xx\x01"), fe.sync()), 0), 3);
});

Deno.test("response starts: backend messages with sane content, the SSL answer when awaited", () => {
  const yes = [
    be.ready("T"),
    be.rowDesc("a", "b"),
    be.row("1", null),
    be.done("SELECT 1"),
    be.error("42P01", "x"),
    be.notice("n"),
    be.parseOk(),
    be.paramDesc(23, 25),
    be.authOk(),
    be.authMd5(),
    be.key(1, 2),
    be.status("a", "b"),
    be.copyIn(),
    be.fnResult("x"),
    be.notify(1, "ch", "x"),
  ];
  for (const b of yes) assert.equal(findResponseStart(b, 0, false), 0, String(b.subarray(0, 12)));
  const no = [
    msg("Z", utf8("X")),
    msg("C", utf8("select 1\0")),
    msg("T", utf8("\0\x01")),
    msg("E", utf8("Mno severity\0\0")),
    msg("R", new Uint8Array([0, 0, 0, 4])),
    msg("V", new Uint8Array([0, 0, 0, 9, 1])),
    be.copyData("1\n"),
    utf8("N"),
  ];
  for (const b of no) assert.equal(findResponseStart(b, 0, false), -1, String(b.subarray(0, 12)));
  assert.equal(findResponseStart(utf8("N"), 0, true), 0);
  assert.equal(findResponseStart(utf8("S"), 0, true), 0);
});

Deno.test("findBoundary resets the stream's message in progress and only that", () => {
  const s = p.createState({ maxBodyBytes: 64, datagram: false });
  assert.equal(p.parseFrame(s, Stream.Request, fe.query("SELECT " + "x".repeat(100)).subarray(0, 30), 1, 1), 30);
  assert.equal(p.parseFrame(s, Stream.Response, be.row("y".repeat(100)).subarray(0, 30), 2, 2), 30);
  assert.equal(p.findBoundary(s, Stream.Request, fe.sync(), 0), 0);
  assert.equal(s.fe.tag, -1);
  assert.notEqual(s.be.tag, -1);
  assert.equal(p.findBoundary(s, Stream.Response, be.ready(), 0), 0);
  assert.equal(s.be.tag, -1);
});

Deno.test("random bytes rarely look like a request start", () => {
  const r = rng(3);
  const b = new Uint8Array(1 << 20);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
  let found = 0;
  for (let i = 0; i < b.length - 64; i++) if (requestAt(b, i) === YES) found++;
  assert.equal(found, 0);
});
