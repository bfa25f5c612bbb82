import assert from "node:assert/strict";
import { filters } from "./filter.ts";

const publish = { method: "Basic.Publish", sender: "client", channel: 1, exchange: "e2e.x", routing_key: "k1" };
const toQueue = { method: "Basic.Publish", sender: "client", channel: 1, exchange: "", routing_key: "q" };
const declare = { method: "Queue.Declare", sender: "client", channel: 1, queue: "e2e.q" };
const get = { method: "Basic.Get", sender: "client", channel: 1, queue: "e2e.q" };
const getOk = { method: "Basic.Get-Ok", exchange: "e2e.x", routing_key: "k1" };
const bind = { method: "Exchange.Bind", sender: "client", channel: 1, source: "a", destination: "b", routing_key: "" };

function keep(values: Record<string, string[]>): boolean[] {
  const f = filters.build(values)!;
  return [[publish, null], [toQueue, null], [declare, null], [get, getOk], [bind, null]].map(([q, r]) => f(q, r));
}

Deno.test("--method: names in any case, comma lists; unknown names are a RangeError", () => {
  assert.equal(filters.build({}), null);
  assert.deepEqual(keep({ method: ["basic.publish"] }), [true, true, false, false, false]);
  assert.deepEqual(keep({ method: ["Queue.Declare,Basic.Get"] }), [false, false, true, true, false]);
  assert.throws(() => filters.build({ method: ["Basic.Send"] }), /--method: 'Basic.Send'/);
  assert.throws(() => filters.build({ method: [","] }), /--method/);
});

Deno.test("--exchange, --routing-key, --queue: the request's field, else the response's; AND across flags", () => {
  assert.deepEqual(keep({ exchange: ["e2e.x"] }), [true, false, false, true, false]);
  assert.deepEqual(keep({ exchange: ['""'] }), [false, true, false, false, false]);
  assert.deepEqual(keep({ exchange: ["a"] }), [false, false, false, false, true]);
  assert.deepEqual(keep({ "routing-key": ["k1"] }), [true, false, false, true, false]);
  assert.deepEqual(keep({ queue: ["e2e.q"] }), [false, false, true, true, false]);
  assert.deepEqual(keep({ queue: ["e2e.q"], method: ["Basic.Get"] }), [false, false, false, true, false]);
  assert.equal(filters.build({ queue: ["q"] })!(null, null), false);
});
