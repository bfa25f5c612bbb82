import assert from "node:assert/strict";
import { PROTOCOLS } from "../protocols/registry.ts";
import { warmUp } from "./warm_up.ts";

Deno.test("warmUp: every protocol's sample parses into whole exchanges, none left unanswered", () => {
  const byProtocol = new Map<string, number>();
  let unanswered = 0;
  const n = warmUp(
    (protocol, _conn, ex) => {
      byProtocol.set(protocol, (byProtocol.get(protocol) ?? 0) + 1);
      if (ex.resp === null) unanswered++;
    },
    1024,
    50,
  );
  const sampled = PROTOCOLS.filter((p) => p.parser.sample).map((p) => p.parser.protocol);
  assert.deepEqual(sampled, ["http", "redis", "mysql", "pgsql"]);
  assert.deepEqual(Object.fromEntries(byProtocol), Object.fromEntries(sampled.map((p) => [p, 50])));
  assert.equal(n, 200);
  assert.equal(unanswered, 0);
});
