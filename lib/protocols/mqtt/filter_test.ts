import assert from "node:assert/strict";
import { filters } from "./filter.ts";
import { topicMatches, validFilter } from "./topic.ts";
import type { MqttRequest } from "./types.ts";

Deno.test("topic filters match as the broker does (5.0 §4.7)", () => {
  const cases: [string, string, boolean][] = [
    ["sensors/#", "sensors", true],
    ["sensors/#", "sensors/t/x", true],
    ["sensors/+", "sensors/t", true],
    ["sensors/+", "sensors/t/x", false],
    ["+/t", "a/t", true],
    ["+", "", true],
    ["#", "a/b", true],
    ["#", "$SYS/x", false],
    ["+/x", "$SYS/x", false],
    ["$SYS/#", "$SYS/x", true],
    ["a/b", "a/b/", false],
  ];
  for (const [f, t, want] of cases) assert.equal(topicMatches(f, t), want, `${f} ~ ${t}`);
  assert.deepEqual(["a/#", "#", "+/+", "a/#/b", "a+", "a/b#", ""].map(validFilter), [
    true,
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
});

Deno.test("--type, --topic, --client-id combine with AND, lists with OR", () => {
  const pub: MqttRequest = { type: "PUBLISH", sender: "client", topic: "sensors/t", qos: 1, client_id: "p1" };
  const sub: MqttRequest = {
    type: "SUBSCRIBE",
    sender: "client",
    subscriptions: [{ topic: "sensors/#", qos: 0 }],
    client_id: "s1",
  };
  const ping: MqttRequest = { type: "PINGREQ", sender: "client" };
  const keep = (v: Record<string, string[]>) => [pub, sub, ping].map((q) => filters.build(v)!(q, null));
  assert.deepEqual(keep({ type: ["publish,pingreq"] }), [true, false, true]);
  // A SUBSCRIBE's filters are matched as if they were topic names.
  assert.deepEqual(keep({ topic: ["sensors/+"] }), [true, true, false]);
  assert.deepEqual(keep({ topic: ["sensors/t"] }), [true, false, false]);
  assert.deepEqual(keep({ topic: ["sensors/#"] }), [true, true, false]);
  assert.deepEqual(keep({ "client-id": ["s1", "p1"], type: ["SUBSCRIBE"] }), [false, true, false]);
  assert.equal(filters.build({}), null);
  assert.throws(() => filters.build({ type: ["PUBLISHX"] }), /--type: 'PUBLISHX'/);
  assert.throws(() => filters.build({ topic: ["a/#/b"] }), /--topic: 'a\/#\/b'/);
  assert.throws(() => filters.build({ "client-id": [","] }), /--client-id/);
  assert.equal(filters.build({ type: ["PUBLISH"] })!(null, null), false);
});
