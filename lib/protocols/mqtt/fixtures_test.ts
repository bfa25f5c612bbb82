// Replays of traffic captured from a real mosquitto 2.0.11 (see
// testdata/capture.py): mosquitto_sub and mosquitto_pub in MQTT 3.1, 3.1.1
// and 5, v5 properties, a 100 KB payload, and raw 3.1.1 / 5 clients.
import assert from "node:assert/strict";
import { lines, replay } from "./testdata.ts";
import * as F from "./testdata/captured.ts";
import type { MqttRequest } from "./types.ts";

const V = { V31: ["v3", "v31", 3], V311: ["v4", "v311", 4], V5: ["v5", "v5", 5] } as const;

for (const [name, [level, tag, version]] of Object.entries(V)) {
  const conns = F[name as keyof typeof V];
  const accepted = version === 5 ? "success" : "accepted";
  const bye = version === 5 ? "DISCONNECT normal_disconnection" : "DISCONNECT";

  Deno.test(`${name}: the subscriber's records, the broker's deliveries at QoS 0, 1 and 2 included`, async () => {
    const s = await replay(conns[0]!);
    assert.equal(s.invalid, 0);
    assert.equal(s.state.orphans, 0);
    assert.deepEqual(lines(s.out), [
      `CONNECT sub-${tag} ${level} -> CONNACK ${accepted}`,
      "SUBSCRIBE sensors/#:2 -> SUBACK granted_qos_2",
      "PUBLISH (from server) sensors/t qos0 (4 B)",
      "PUBLISH (from server) sensors/h qos1 (5 B) -> PUBACK success",
      "PUBLISH (from server) sensors/x qos2 (3 B) -> PUBCOMP success",
      bye,
    ]);
    const [connect, , qos0, , qos2] = s.out;
    assert.deepEqual(connect!.req, {
      type: "CONNECT",
      sender: "client",
      client_id: `sub-${tag}`,
      protocol_name: version === 3 ? "MQIsdp" : "MQTT",
      protocol_version: version,
      clean_start: true,
      keep_alive: 60,
    });
    assert.equal(qos0!.resp, null);
    assert.equal(qos0!.respEndNs, -1);
    // QoS 2: PUBLISH + PUBREL on one side, PUBREC + PUBCOMP on the other, one record.
    assert.deepEqual(qos2!.req, {
      type: "PUBLISH",
      sender: "server",
      topic: "sensors/x",
      qos: 2,
      retain: false,
      dup: false,
      packet_id: 2,
      payload_size: 3,
      payload: "two",
      client_id: `sub-${tag}`,
    });
    assert.deepEqual(qos2!.resp, { type: "PUBCOMP", reason_code: 0, reason: "success", pubrec_reason_code: 0 });
    // PUBLISH (v5: one more byte, its empty property list) and PUBREL's 4.
    assert.equal(qos2!.reqBytes, (version === 5 ? 19 : 18) + 4);
    assert.equal(qos2!.respBytes, 8);
  });

  Deno.test(`${name}: publishers at QoS 0, 1 (with a user name) and 2`, async () => {
    const got = [];
    for (const conn of conns.slice(1)) {
      const s = await replay(conn);
      assert.equal(s.invalid, 0);
      got.push(lines(s.out));
    }
    assert.deepEqual(got, [
      [`CONNECT pub0-${tag} ${level} -> CONNACK ${accepted}`, "PUBLISH sensors/t qos0 (4 B)", bye],
      [`CONNECT pub1-${tag} ${level} -> CONNACK ${accepted}`, "PUBLISH sensors/h qos1 (5 B) -> PUBACK success", bye],
      [`CONNECT pub2-${tag} ${level} -> CONNACK ${accepted}`, "PUBLISH sensors/x qos2 (3 B) -> PUBCOMP success", bye],
    ]);
    const s = await replay(conns[2]!);
    const connect = s.out[0]!.req as MqttRequest;
    assert.equal(connect.username, "alice");
    // The password's bytes are in the capture; no field carries them.
    assert.ok(!JSON.stringify(s.out).includes("s3cret"));
  });
}

Deno.test("v5 properties: content type and a topic alias, resolved when the topic is sent empty", async () => {
  const s = await replay(F.PROPS[0]!);
  assert.equal(s.invalid, 0);
  assert.deepEqual(lines(s.out), [
    "CONNECT props v5 -> CONNACK success",
    "PUBLISH a/b qos1 (1 B) -> PUBACK no_matching_subscribers",
    "PUBLISH a/b qos1 (1 B) -> PUBACK no_matching_subscribers",
    "DISCONNECT normal_disconnection",
  ]);
  // The second PUBLISH carried an empty topic and alias 3 (3 bytes shorter).
  assert.deepEqual([s.out[1]!.reqBytes, s.out[2]!.reqBytes], [34, 31]);
  assert.deepEqual((s.out[2]!.req as MqttRequest).properties, { content_type: "text/plain", topic_alias: 3 });
  assert.deepEqual(s.out[2]!.resp, { type: "PUBACK", reason_code: 0x10, reason: "no_matching_subscribers" });
});

Deno.test("a 100 KB binary payload is streamed: hex of the first bytes, truncated, sizes exact", async () => {
  const s = await replay(F.PROPS[1]!, 16);
  assert.equal(s.invalid, 0);
  assert.deepEqual(lines(s.out), [
    "CONNECT bigpub v5 -> CONNACK success",
    "PUBLISH big/blob qos1 (102400 B) -> PUBACK no_matching_subscribers",
    "DISCONNECT normal_disconnection",
  ]);
  const req = s.out[1]!.req as MqttRequest;
  assert.equal(req.payload_hex, "000102030405060708090a0b0c0d0e0f");
  assert.equal(req.payload, undefined);
  assert.equal(req.payload_truncated, true);
  assert.equal(s.out[1]!.reqBytes, 1 + 3 + 2 + 8 + 2 + 1 + 102400);
});

Deno.test("raw 3.1.1 client: PINGREQ, two subscriptions, its own message delivered back, UNSUBSCRIBE", async () => {
  const s = await replay(F.RAW[0]!);
  assert.equal(s.invalid, 0);
  assert.deepEqual(lines(s.out), [
    "CONNECT raw4 v4 -> CONNACK accepted",
    "PINGREQ -> PINGRESP",
    "SUBSCRIBE t/+:1,u/#:0 -> SUBACK granted_qos_1",
    "PUBLISH t/1 qos1 (4 B) -> PUBACK success",
    "PUBLISH (from server) t/1 qos1 (4 B) -> PUBACK success",
    "UNSUBSCRIBE t/+,u/# -> UNSUBACK success",
    "DISCONNECT",
  ]);
  assert.deepEqual(s.out[2]!.resp, { type: "SUBACK", reason_code: 1, reason: "granted_qos_1", granted: [1, 0] });
  // The client's packet 8 and the broker's packet 1 are different identifier spaces.
  assert.deepEqual(s.out.slice(3, 5).map((x) => [(x.req as MqttRequest).sender, (x.req as MqttRequest).packet_id]), [
    ["client", 8],
    ["server", 1],
  ]);
});

Deno.test("raw 5 clients: a refused authentication method, UNSUBSCRIBE of nothing, DISCONNECT with a reason", async () => {
  const refused = await replay(F.RAW[1]!);
  assert.deepEqual(refused.out[0]!.resp, {
    type: "CONNACK",
    reason_code: 0x8c,
    reason: "bad_authentication_method",
    session_present: false,
  });
  assert.deepEqual((refused.out[0]!.req as MqttRequest).properties, { auth_method: "SCRAM" });
  const s = await replay(F.RAW[2]!);
  assert.equal(s.invalid, 0);
  assert.deepEqual(lines(s.out), [
    "CONNECT raw5b v5 -> CONNACK success",
    "UNSUBSCRIBE none/x -> UNSUBACK no_subscription_existed",
    "DISCONNECT disconnect_with_will_message",
  ]);
  assert.deepEqual(s.out[1]!.resp, {
    type: "UNSUBACK",
    reason_code: 0x11,
    reason: "no_subscription_existed",
    reason_codes: [0x11],
  });
});
