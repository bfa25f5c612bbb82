import assert from "node:assert/strict";
import { filters } from "./filter.ts";
import { subjectMatches, validSubjectFilter } from "./subject.ts";

Deno.test("subject wildcards: * one token, > one or more at the end", () => {
  const cases: [string, string, boolean][] = [
    ["e2e.>", "e2e.a", true],
    ["e2e.>", "e2e.a.b", true],
    ["e2e.>", "e2e", false],
    ["e2e.*", "e2e.a", true],
    ["e2e.*", "e2e.a.b", false],
    ["*.a", "x.a", true],
    ["a.b", "a.b", true],
    ["a.b", "a.c", false],
    [">", "anything.at.all", true],
  ];
  for (const [f, s, want] of cases) assert.equal(subjectMatches(f, s), want, `${f} ${s}`);
  for (const bad of ["", "a..b", "a.>.b", "a.b>", "a*.b", "a b"]) assert.equal(validSubjectFilter(bad), false, bad);
});

Deno.test("--op (any case, -ERR too) and --subject combine with AND", () => {
  const keep = filters.build({ op: ["pub,msg"], subject: ["e2e.*"] })!;
  assert.equal(keep({ op: "PUB", sender: "client", subject: "e2e.a" }, null), true);
  assert.equal(keep({ op: "MSG", sender: "server", subject: "e2e.a", sid: "1" }, null), true);
  assert.equal(keep({ op: "PUB", sender: "client", subject: "other.a" }, null), false);
  assert.equal(keep({ op: "SUB", sender: "client", subject: "e2e.a" }, null), false);
  assert.equal(keep(null, null), false);
  const errs = filters.build({ op: ["-err"] })!;
  assert.equal(errs({ op: "-ERR", sender: "server", error: "x" }, null), true);
  // --subject alone drops records without a subject.
  assert.equal(filters.build({ subject: [">"] })!({ op: "PING", sender: "client" }, null), false);
  assert.equal(filters.build({}), null);
});

Deno.test("bad filter values are RangeErrors that name the flag", () => {
  assert.throws(() => filters.build({ op: ["PUBLISH"] }), /--op: 'PUBLISH'/);
  assert.throws(() => filters.build({ op: ["PONG"] }), /--op: 'PONG'/);
  assert.throws(() => filters.build({ subject: ["a.>.b"] }), /--subject: 'a.>.b'/);
  assert.throws(() => filters.build({ op: [","] }), /--op/);
});
