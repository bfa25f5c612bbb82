/**
 * End-to-end MQTT tracing (root): a real mosquitto broker, a mosquitto_sub
 * subscriber and mosquitto_pub publishers at QoS 0, 1 and 2 in MQTT 3.1,
 * 3.1.1 and 5, with exact records on the publishers', the subscriber's and the
 * broker's side (the broker's deliveries to the subscriber included), and
 * `--redact` and the `mqtt` filters on the same traffic. And a publisher
 * connected before l7trace, traced with --protocol-port and only with it.
 */
import assert from "node:assert/strict";
import type { MqttRequest, MqttResponse } from "../../lib/protocols/mqtt/types.ts";
import type { L7Record } from "../../lib/record.ts";
import { recordsOf, type Server, sleep, startTracer } from "./harness.ts";
import { byTime, type Ran, runClient, startMosquitto, stopAll } from "./daemons.ts";
import { TextOutput } from "./text_output.ts";

const VERSIONS = [["mqttv31", 3], ["mqttv311", 4], ["mqttv5", 5]] as const;
const QOS = [0, 1, 2] as const;

interface Publish {
  version: 3 | 4 | 5;
  qos: number;
  id: string;
  topic: string;
  message: string;
  auth: boolean;
}

const PUBLISHES: Publish[] = VERSIONS.flatMap(([name, version]) =>
  QOS.map((qos) => ({
    version,
    qos,
    id: `pub-${name}-q${qos}`,
    topic: `e2e/${name}/q${qos}`,
    message: `m${qos}`,
    // One publisher logs in: its user name is in the record, its password never.
    auth: version === 5 && qos === 1,
  }))
);

const enc = (s: string) => new TextEncoder().encode(s).length;

/** What a record shows: request, response and byte counts. */
function view(r: L7Record): unknown[] {
  return [r.protocol, r.req, r.resp, r.req_bytes, r.resp_bytes];
}

function connect(id: string, version: number, username?: string): unknown[] {
  const req: MqttRequest = {
    type: "CONNECT",
    sender: "client",
    client_id: id,
    protocol_name: version === 3 ? "MQIsdp" : "MQTT",
    protocol_version: version,
    clean_start: true,
    keep_alive: 60,
  };
  if (username !== undefined) req.username = username;
  const resp: MqttResponse = {
    type: "CONNACK",
    reason_code: 0,
    reason: version === 5 ? "success" : "accepted",
    session_present: false,
  };
  // mosquitto's clients send Receive Maximum in v5 (4 bytes with the property
  // length); the broker answers Topic Alias Maximum and Receive Maximum.
  const login = username === undefined ? 0 : 2 + enc(username) + 2 + "s3cret".length;
  const bytes = 2 + (version === 3 ? 12 : 10) + (version === 5 ? 4 : 0) + 2 + enc(id) + login;
  return ["mqtt", req, resp, bytes, version === 5 ? 11 : 4];
}

function publish(
  p: { version: number; qos: number; topic: string; message: string },
  sender: "client" | "server",
  clientId: string,
  packetId: number,
): unknown[] {
  const req: MqttRequest = { type: "PUBLISH", sender, topic: p.topic, qos: p.qos, retain: false, dup: false };
  if (p.qos > 0) req.packet_id = packetId;
  req.payload_size = enc(p.message);
  req.payload = p.message;
  req.client_id = clientId;
  const resp = p.qos === 0
    ? null
    : p.qos === 1
    ? { type: "PUBACK", reason_code: 0, reason: "success" }
    : { type: "PUBCOMP", reason_code: 0, reason: "success", pubrec_reason_code: 0 };
  const bytes = 2 + 2 + enc(p.topic) + (p.qos > 0 ? 2 : 0) + (p.version === 5 ? 1 : 0) + enc(p.message);
  // QoS 2: PUBREL rides with the PUBLISH, PUBREC and PUBCOMP make the answer.
  return ["mqtt", req, resp, bytes + (p.qos === 2 ? 4 : 0), p.qos === 0 ? 0 : p.qos === 1 ? 4 : 8];
}

function disconnect(clientId: string, version: number): unknown[] {
  const req: MqttRequest = { type: "DISCONNECT", sender: "client" };
  if (version === 5) Object.assign(req, { reason_code: 0, reason: "normal_disconnection" });
  req.client_id = clientId;
  return ["mqtt", req, null, 2, 0];
}

/** Starts mosquitto_sub and resolves once the broker acknowledged its subscription. */
async function subscribe(port: number, count: number) {
  // Line-buffered, so its debug line about the SUBACK arrives as printed (stdbuf execs it: same pid).
  const child = new Deno.Command("stdbuf", {
    args: [
      "-oL",
      "mosquitto_sub",
      "-p",
      String(port),
      "-V",
      "mqttv5",
      "-i",
      "e2e-sub",
      "-q",
      "2",
      "-t",
      "e2e/#",
      "-C",
      String(count),
      "-d",
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const out = new TextOutput(child.stdout);
  await out.until("received SUBACK", "mosquitto_sub");
  return { pid: child.pid, done: Promise.all([child.status, out.rest(), new Response(child.stderr).text()]) };
}

Deno.test("mosquitto_sub and mosquitto_pub at QoS 0, 1, 2 in 3.1, 3.1.1 and 5: exact records on every side, --redact, filters", async () => {
  let broker: Server | undefined;
  try {
    broker = await startMosquitto();
    const tracer = await startTracer(["mqtt"]);
    const redacted = await startTracer(["mqtt", "--redact", "--workers", "1"]);
    const topicFilter = await startTracer(["mqtt", "--type", "publish", "--topic", "e2e/+/q1", "--workers", "1"]);
    const idFilter = await startTracer(["mqtt", "--client-id", "pub-mqttv5-q2", "--workers", "1"]);
    const sub = await subscribe(broker.port, PUBLISHES.length);
    const pubs: Ran[] = [];
    for (const p of PUBLISHES) {
      const args = [
        "-p",
        String(broker.port),
        "-V",
        VERSIONS.find(([, v]) => v === p.version)![0],
        "-q",
        String(p.qos),
      ];
      args.push("-i", p.id, "-t", p.topic, "-m", p.message);
      if (p.auth) args.push("-u", "alice", "-P", "s3cret");
      const ran = await runClient("mosquitto_pub", args);
      assert.equal(ran.code, 0, ran.stderr);
      pubs.push(ran);
    }
    const [status, subOut] = await sub.done;
    assert.equal(status.code, 0, subOut);
    for (const p of PUBLISHES) assert.ok(subOut.includes(`\n${p.message}\n`), subOut);
    const all = await Promise.all([tracer, redacted, topicFilter, idFilter].map((t) => t.stop()));
    for (const { code, stderr } of all) assert.equal(code, 0, stderr);
    const [records, redactedRecords, byTopic, byId] = all.map((t) => t.records) as [
      L7Record[],
      L7Record[],
      L7Record[],
      L7Record[],
    ];

    const brokerRecords = recordsOf(records, broker.pid, "server");
    const brokerSide = (r: L7Record) => brokerRecords.filter((b) => b.remote_port === r.local_port);

    // Each publisher: CONNECT, its PUBLISH, DISCONNECT; the broker saw the same.
    PUBLISHES.forEach((p, i) => {
      const mine = byTime(recordsOf(records, pubs[i]!.pid, "client"));
      const want = [
        connect(p.id, p.version, p.auth ? "alice" : undefined),
        publish(p, "client", p.id, 1),
        disconnect(p.id, p.version),
      ];
      assert.deepEqual(mine.map(view), want, p.id);
      for (const r of mine) {
        assert.deepEqual([r.side, r.comm, r.remote_port, r.tls], ["client", "mosquitto_pub", broker!.port, false]);
      }
      const theirs = byTime(brokerSide(mine[0]!));
      assert.deepEqual(theirs.map(view), want, `broker side of ${p.id}`);
      for (const r of theirs) assert.deepEqual([r.comm, r.local_port], ["mosquitto", broker!.port]);
      // Answered exchanges have a latency; the broker answers before the client reads.
      for (const [k, r] of mine.entries()) {
        assert.equal(r.latency_ms === null, r.resp === null, JSON.stringify(r));
        if (r.latency_ms !== null) assert.ok(theirs[k]!.latency_ms! <= r.latency_ms, `${p.id} latency`);
      }
    });

    // The subscriber: CONNECT, SUBSCRIBE, the broker's six deliveries (QoS as
    // published, the broker's own packet identifiers), DISCONNECT.
    let brokerId = 0;
    const deliveries = PUBLISHES.map((p) => publish({ ...p, version: 5 }, "server", "e2e-sub", p.qos ? ++brokerId : 0));
    const subWant = [
      connect("e2e-sub", 5),
      [
        "mqtt",
        {
          type: "SUBSCRIBE",
          sender: "client",
          packet_id: 1,
          subscriptions: [{ topic: "e2e/#", qos: 2 }],
          client_id: "e2e-sub",
        },
        { type: "SUBACK", reason_code: 2, reason: "granted_qos_2", granted: [2] },
        13,
        6,
      ],
      ...deliveries,
      disconnect("e2e-sub", 5),
    ];
    const subRecords = byTime(recordsOf(records, sub.pid, "client"));
    assert.deepEqual(subRecords.map(view), subWant);
    assert.ok(subRecords.every((r) => r.comm === "mosquitto_sub"));
    assert.deepEqual(byTime(brokerSide(subRecords[0]!)).map(view), subWant, "broker side of the subscriber");
    assert.equal(brokerRecords.length, 3 * PUBLISHES.length + subWant.length, JSON.stringify(brokerRecords));

    // --redact: the user name is ***; the password is in no record of any tracer.
    const logins = (rs: L7Record[]) =>
      rs.filter((r) => (r.req as MqttRequest).username !== undefined).map((r) => [
        r.side,
        (r.req as MqttRequest).username,
      ]);
    const mineOnly = (rs: L7Record[]) =>
      rs.filter((r) => r.pid === broker!.pid || r.pid === sub.pid || pubs.some((p) => p.pid === r.pid));
    assert.deepEqual(logins(mineOnly(records)).sort(), [["client", "alice"], ["server", "alice"]]);
    assert.deepEqual(logins(mineOnly(redactedRecords)).sort(), [["client", "***"], ["server", "***"]]);
    for (const rs of [records, redactedRecords]) assert.ok(!JSON.stringify(rs).includes("s3cret"));

    // --type publish --topic e2e/+/q1: the QoS 1 messages only, published and delivered, on both sides.
    const topicView = (r: L7Record) => [r.pid, r.side, (r.req as MqttRequest).sender, (r.req as MqttRequest).topic];
    const q1 = PUBLISHES.flatMap((p, i) =>
      p.qos !== 1 ? [] : [
        [pubs[i]!.pid, "client", "client", p.topic],
        [broker!.pid, "server", "client", p.topic],
        [broker!.pid, "server", "server", p.topic],
        [sub.pid, "client", "server", p.topic],
      ]
    );
    const sorted = (rows: unknown[][]) => rows.map((x) => JSON.stringify(x)).sort();
    assert.deepEqual(sorted(mineOnly(byTopic).map(topicView)), sorted(q1));
    // --client-id: that publisher's three records, on its side and the broker's.
    const idView = (r: L7Record) => [r.pid, (r.req as MqttRequest).type];
    const five2 = pubs[PUBLISHES.findIndex((p) => p.id === "pub-mqttv5-q2")]!.pid;
    assert.deepEqual(
      sorted(mineOnly(byId).map(idView)),
      sorted([
        [broker.pid, "CONNECT"],
        [broker.pid, "DISCONNECT"],
        [broker.pid, "PUBLISH"],
        [five2, "CONNECT"],
        [five2, "DISCONNECT"],
        [five2, "PUBLISH"],
      ]),
    );
  } finally {
    await stopAll(broker);
  }
});

Deno.test("CONNECTs of 2- and 3-byte Remaining Lengths (a Will of 200 B and of 20 KB) are recognised on both sides", async () => {
  let broker: Server | undefined;
  try {
    broker = await startMosquitto();
    const tracer = await startTracer(["mqtt"]);
    const runs: [Ran, number][] = [];
    for (const size of [200, 20_000]) {
      const ran = await runClient("mosquitto_pub", [
        ...["-p", String(broker.port), "-V", "mqttv5", "-q", "1", "-i", `will-${size}`, "-t", "e2e/w", "-m", "w"],
        ...["--will-topic", "e2e/will", "--will-payload", "x".repeat(size), "--will-qos", "1"],
      ]);
      assert.equal(ran.code, 0, ran.stderr);
      runs.push([ran, size]);
    }
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    for (const [ran, size] of runs) {
      const id = `will-${size}`;
      // Variable header and Receive Maximum, client id, empty Will properties, Will topic and payload.
      const remaining = 10 + 4 + 2 + id.length + 1 + 2 + "e2e/will".length + 2 + size;
      const header = remaining < 128 ? 2 : remaining < 16384 ? 3 : 4;
      const req: MqttRequest = {
        type: "CONNECT",
        sender: "client",
        client_id: id,
        protocol_name: "MQTT",
        protocol_version: 5,
        clean_start: true,
        keep_alive: 60,
        will: { topic: "e2e/will", qos: 1, retain: false },
      };
      const want = [
        [
          "mqtt",
          req,
          { type: "CONNACK", reason_code: 0, reason: "success", session_present: false },
          header + remaining,
          11,
        ],
        // Nobody subscribes: the broker says so in the PUBACK (5.0's 0x10, one more byte).
        publish({ version: 5, qos: 1, topic: "e2e/w", message: "w" }, "client", id, 1).with(2, {
          type: "PUBACK",
          reason_code: 0x10,
          reason: "no_matching_subscribers",
        }).with(4, 5),
        disconnect(id, 5),
      ];
      const mine = byTime(recordsOf(records, ran.pid, "client"));
      assert.deepEqual(mine.map(view), want, id);
      const theirs = byTime(
        recordsOf(records, broker.pid, "server").filter((r) => r.remote_port === mine[0]!.local_port),
      );
      assert.deepEqual(theirs.map(view), want, `broker side of ${id}`);
    }
  } finally {
    await stopAll(broker);
  }
});

Deno.test("--protocol-port traces an MQTT connection opened before l7trace from its next packet; without it, nothing", async () => {
  let broker: Server | undefined;
  let pub: Deno.ChildProcess | undefined;
  try {
    broker = await startMosquitto();
    // Connected before l7trace: a 3.1.1 publisher that sends a PUBLISH per line of its stdin.
    pub = new Deno.Command("stdbuf", {
      args: [
        "-oL",
        "mosquitto_pub",
        "-p",
        String(broker.port),
        "-V",
        "mqttv311",
        "-i",
        "late-pub",
        "-t",
        "e2e/late",
        "-l",
        "-d",
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = new TextOutput(pub.stdout);
    await out.until("received CONNACK", "mosquitto_pub -l");
    const forced = await startTracer(["mqtt", "--protocol-port", `mqtt=${broker.port}`]);
    const plain = await startTracer(["mqtt"]);
    const stdin = pub.stdin.getWriter();
    await stdin.write(new TextEncoder().encode("one\n"));
    await sleep(200);
    await stdin.write(new TextEncoder().encode("two\n"));
    await sleep(200);
    await stdin.close();
    const [status, , stderr] = await Promise.all([pub.status, out.rest(), new Response(pub.stderr).text()]);
    assert.equal(status.code, 0, stderr);
    const pid = pub.pid;
    pub = undefined;
    const [f, p] = [await forced.stop(), await plain.stop()];
    assert.equal(f.code, 0, f.stderr);
    assert.equal(p.code, 0, p.stderr);

    const client = byTime(recordsOf(f.records, pid, "client"));
    assert.ok(client.length > 0, "no record on the client's side");
    const port = client[0]!.local_port;
    const server = byTime(recordsOf(f.records, broker.pid, "server").filter((r) => r.remote_port === port));
    const late = (message: string) => {
      const req: MqttRequest = {
        type: "PUBLISH",
        sender: "client",
        topic: "e2e/late",
        qos: 0,
        retain: false,
        dup: false,
      };
      req.payload_size = message.length;
      req.payload = message;
      return ["mqtt", req, null, 2 + 2 + "e2e/late".length + message.length, 0];
    };
    const want = [late("one"), late("two"), ["mqtt", { type: "DISCONNECT", sender: "client" }, null, 2, 0]];
    const view = (r: L7Record) => [r.protocol, r.req, r.resp, r.req_bytes, r.resp_bytes];
    assert.deepEqual(client.map(view), want, "client side");
    assert.deepEqual(server.map(view), want, "broker side");
    // Without the flag, no rule recognises MQTT mid-stream: the connection is not traced at all.
    const unflagged = p.records.filter((r) => r.pid === pid || (r.pid === broker!.pid && r.remote_port === port));
    assert.deepEqual(unflagged, []);
  } finally {
    pub?.kill("SIGKILL");
    await pub?.status;
    await stopAll(broker);
  }
});
