import assert from "node:assert/strict";
import { filters, underDomain } from "./filter.ts";
import type { DnsQuery } from "./types.ts";

const req = (name: string, type = "A"): DnsQuery => ({
  id: 1,
  opcode: "QUERY",
  rd: true,
  questions: [{ name, type, class: "IN" }],
});

Deno.test("underDomain matches the domain and names under it, label-aligned, any case", () => {
  assert.ok(underDomain("example.com", "example.com"));
  assert.ok(underDomain("www.Example.COM", "example.com"));
  assert.ok(underDomain("a.b.example.com", "example.com"));
  assert.ok(!underDomain("badexample.com", "example.com"));
  assert.ok(!underDomain("example.com.evil", "example.com"));
  assert.ok(!underDomain("com", "example.com"));
  assert.ok(underDomain("anything", ""));
});

Deno.test("--host keeps exchanges whose first question is under a listed domain", () => {
  const keep = filters.build({ host: ["Example.com.", "test"] })!;
  assert.ok(keep(req("www.example.com"), null));
  assert.ok(keep(req("example.com"), null));
  assert.ok(keep(req("a.TEST"), null));
  assert.ok(!keep(req("badexample.com"), null));
  assert.ok(!keep(req("example.org"), null));
  assert.ok(!keep({ ...req("x"), questions: [] }, null));
  assert.ok(!keep(null, null));
  assert.ok(
    filters.build({ host: ["."] })!(req("any.where"), null),
    "the root matches every name",
  );
});

Deno.test("--type keeps the listed record types, by mnemonic or TYPEnnn, any case", () => {
  const keep = filters.build({ type: ["aaaa, https", "TYPE1"] })!;
  assert.ok(keep(req("x", "AAAA"), null));
  assert.ok(keep(req("x", "HTTPS"), null));
  assert.ok(keep(req("x", "A"), null), "TYPE1 is A");
  assert.ok(!keep(req("x", "MX"), null));
  assert.ok(filters.build({ type: ["TYPE999"] })!(req("x", "TYPE999"), null));
});

Deno.test("--host and --type combine; no values means no filter", () => {
  const keep = filters.build({ host: ["a.test"], type: ["A"] })!;
  assert.ok(keep(req("www.a.test", "A"), null));
  assert.ok(!keep(req("www.a.test", "MX"), null));
  assert.ok(!keep(req("www.b.test", "A"), null));
  assert.equal(filters.build({}), null);
  assert.equal(filters.build({ host: [" , "] }), null);
  assert.deepEqual(Object.keys(filters.flags).sort(), ["host", "type"]);
});

Deno.test("unusable values throw a RangeError naming the flag", () => {
  assert.throws(
    () => filters.build({ type: ["AAAAA"] }),
    /Invalid value for --type: 'AAAAA'/,
  );
  assert.throws(() => filters.build({ type: ["TYPE70000"] }), RangeError);
  assert.throws(
    () => filters.build({ host: ["a..b"] }),
    /Invalid value for --host: 'a..b'/,
  );
});
