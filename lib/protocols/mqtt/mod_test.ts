import assert from "node:assert/strict";
import { mqttParser as p } from "./mod.ts";
import type { MqttRequest } from "./types.ts";

Deno.test("summaries for the table", () => {
  const pub: MqttRequest = { type: "PUBLISH", sender: "client", topic: "sensors/t", qos: 1, payload_size: 12 };
  assert.equal(
    p.summarize(pub, { type: "PUBACK", reason_code: 0, reason: "success" }),
    "PUBLISH sensors/t qos1 (12 B) -> PUBACK success",
  );
  assert.equal(p.summarize({ ...pub, sender: "server", qos: 0 }, null), "PUBLISH (from server) sensors/t qos0 (12 B)");
  assert.equal(
    p.summarize({ type: "CONNECT", sender: "client", client_id: "", protocol_version: 5 }, { type: "CONNACK" }),
    'CONNECT "" v5 -> CONNACK',
  );
  assert.equal(p.summarize(null, null), "");
  assert.equal(p.summarize({ type: 3 }, null), "");
});

Deno.test("--redact hides the user name (the password is never in a record)", () => {
  const req: MqttRequest = { type: "CONNECT", sender: "client", client_id: "c", username: "alice" };
  p.redact!(req, null);
  assert.equal(req.username, "***");
  const other: MqttRequest = { type: "PINGREQ", sender: "client" };
  p.redact!(other, null);
  assert.deepEqual(other, { type: "PINGREQ", sender: "client" });
  p.redact!(null, null);
});
