import assert from "node:assert/strict";
import { GROUP_BY_CHOICES, KEY_SEPARATOR, MAX_KEY_CHARS, parseGroupBy, splitKey } from "./group_key.ts";
import { dns, http, mysql, pgsql, rec, redis } from "./testdata.ts";

const HTTP = http("GET", "/users/123?x=1", 503, {
  remote_ip: "192.0.2.7",
  remote_port: 8080,
  local_port: 51000,
  pid: 4242,
  comm: "curl",
  fd: 9,
});
const REDIS = redis("CONFIG GET");
const MYSQL = mysql("SELECT * FROM t WHERE id = 5");
const PG = pgsql("SELECT * FROM t WHERE id = $1");
const DNS = dns("WwW.Example.COM", "NXDOMAIN");

function keys(choice: string): string[] {
  const { key } = parseGroupBy(choice);
  return [HTTP, REDIS, MYSQL, PG, DNS].map(key);
}

Deno.test("connection choices apply to every protocol", () => {
  assert.deepEqual(keys("remote-ip"), [
    "192.0.2.7",
    "10.0.0.2",
    "10.0.0.2",
    "10.0.0.2",
    "10.0.0.2",
  ]);
  assert.deepEqual(keys("remote-port"), ["8080", "6379", "3306", "5432", "53"]);
  assert.deepEqual(keys("local-port"), ["51000", ...Array(4).fill("40000")]);
  assert.deepEqual(keys("protocol"), [
    "http",
    "redis",
    "mysql",
    "pgsql",
    "dns",
  ]);
  assert.deepEqual(keys("pid"), ["4242", "100", "100", "100", "100"]);
  assert.deepEqual(keys("comm"), ["curl", "app", "app", "app", "app"]);
  assert.equal(keys("conn")[0], "4242/9 10.0.0.1:51000->192.0.2.7:8080");
  const v6 = rec({ local_ip: "::1", remote_ip: "fe80::1", remote_port: 443 });
  assert.equal(
    parseGroupBy("conn").key(v6),
    "100/7 [::1]:40000->[fe80::1]:443",
  );
});

Deno.test("protocol choices: own protocol gets a value, others '-'", () => {
  assert.deepEqual(keys("http-path"), ["/users/{id}", "-", "-", "-", "-"]);
  assert.deepEqual(keys("http-host"), ["api.example.com", "-", "-", "-", "-"]);
  assert.deepEqual(keys("http-status"), ["503", "-", "-", "-", "-"]);
  assert.deepEqual(keys("redis-command"), ["-", "CONFIG GET", "-", "-", "-"]);
  assert.deepEqual(keys("memcached-command"), ["-", "-", "-", "-", "-"]);
  const mc = parseGroupBy("memcached-command").key;
  assert.equal(mc({ ...REDIS, protocol: "memcached", req: { command: "getkq", keys: ["a"] } }), "getkq");
  assert.equal(mc({ ...REDIS, protocol: "memcached", req: null }), "?");
  assert.deepEqual(keys("sql"), [
    "-",
    "-",
    "SELECT * FROM t WHERE id = ?",
    "SELECT * FROM t WHERE id = ?",
    "-",
  ]);
  assert.deepEqual(keys("dns-host"), ["-", "-", "-", "-", "www.example.com"]);
  assert.deepEqual(keys("none"), ["", "", "", "", ""]);
});

Deno.test("unknown shapes give '?', no response gives 'none' for status", () => {
  const odd = [
    rec({ protocol: "http", req: null, resp: { status: "x" } }),
    rec({ protocol: "http", req: { path: 5, host: "" }, resp: 7 }),
    rec({ protocol: "redis", req: "GET", resp: null }),
    rec({ protocol: "mysql", req: {}, resp: null }),
    rec({ protocol: "pgsql", req: { query: "" }, resp: null }),
    rec({ protocol: "dns", req: { questions: [] }, resp: null }),
    rec({ protocol: "dns", req: { questions: "x" }, resp: null }),
  ];
  for (const choice of ["http-path", "http-host", "http-status"]) {
    const { key } = parseGroupBy(choice);
    assert.deepEqual(odd.slice(0, 2).map(key), ["?", "?"], choice);
  }
  const { key: redisKey } = parseGroupBy("redis-command");
  assert.equal(redisKey(odd[2]!), "?");
  const { key: sqlKey } = parseGroupBy("sql");
  assert.deepEqual(odd.slice(3, 5).map(sqlKey), ["?", "?"]);
  const { key: dnsKey } = parseGroupBy("dns-host");
  assert.deepEqual(odd.slice(5).map(dnsKey), ["?", "?"]);
  assert.equal(parseGroupBy("http-status").key(http("GET", "/", null)), "none");
});

Deno.test("nats-subject: a message's or SUB's subject, else the operation; '-' for other protocols", () => {
  const { key } = parseGroupBy("nats-subject");
  assert.equal(key(rec({ protocol: "nats", req: { op: "PUB", subject: "orders.new" } })), "orders.new");
  assert.equal(key(rec({ protocol: "nats", req: { op: "MSG", subject: "orders.new", sid: "1" } })), "orders.new");
  assert.equal(key(rec({ protocol: "nats", req: { op: "PING" } })), "PING");
  assert.equal(key(rec({ protocol: "nats", req: null })), "?");
  assert.equal(key(rec({ protocol: "mqtt", req: { type: "PUBLISH", topic: "a" } })), "-");
});

Deno.test("amqp-method and amqp-routing-key: the method, the routing key (else the method); '-' for other protocols", () => {
  const method = parseGroupBy("amqp-method").key;
  const rk = parseGroupBy("amqp-routing-key").key;
  const publish = rec({ protocol: "amqp", req: { method: "Basic.Publish", exchange: "x", routing_key: "k1" } });
  const get = rec({ protocol: "amqp", req: { method: "Basic.Get", queue: "q" }, resp: { routing_key: "k2" } });
  const declare = rec({ protocol: "amqp", req: { method: "Queue.Declare", queue: "q" } });
  assert.deepEqual([publish, get, declare].map(method), ["Basic.Publish", "Basic.Get", "Queue.Declare"]);
  assert.deepEqual([publish, get, declare].map(rk), ["k1", "k2", "Queue.Declare"]);
  assert.equal(rk(rec({ protocol: "amqp", req: { method: "Basic.Publish", routing_key: "" } })), '""');
  assert.equal(method(rec({ protocol: "amqp", req: null })), "?");
  assert.equal(method(rec({ protocol: "mqtt", req: { method: "x" } })), "-");
});

Deno.test("mqtt-topic: a PUBLISH's topic, else the packet type; '-' for other protocols", () => {
  const { key } = parseGroupBy("mqtt-topic");
  assert.equal(key(rec({ protocol: "mqtt", req: { type: "PUBLISH", topic: "sensors/t" } })), "sensors/t");
  assert.equal(key(rec({ protocol: "mqtt", req: { type: "PUBLISH", topic: "" } })), "?");
  assert.equal(key(rec({ protocol: "mqtt", req: { type: "PINGREQ" } })), "PINGREQ");
  assert.equal(key(rec({ protocol: "mqtt", req: null })), "?");
  assert.equal(key(rec({ protocol: "redis", req: { topic: "x" } })), "-");
});

Deno.test("sql: MySQL commands without SQL use the command name", () => {
  const { key } = parseGroupBy("sql");
  assert.equal(key(mysql(null, "ok", "COM_PING")), "COM_PING");
  assert.equal(key(mysql("shop", "ok", "COM_INIT_DB")), "COM_INIT_DB");
  assert.equal(
    key(mysql("SELECT ?", "ok", "COM_STMT_EXECUTE")),
    "SELECT ?",
  );
  assert.equal(
    key(rec({ protocol: "pgsql", req: { type: "cancel", query: "" } })),
    "cancel",
  );
  // PostgreSQL lexical rules: a backslash does not escape.
  assert.equal(key(pgsql("SELECT 'a\\' , 1")), "SELECT ?, ?");
  assert.equal(key(mysql("SELECT 'a\\' , 1")), "SELECT ?");
});

Deno.test("two choices combine and split back", () => {
  const spec = parseGroupBy("remote-ip, http_path");
  assert.deepEqual(spec.choices, ["remote-ip", "http-path"]);
  assert.deepEqual(spec.columns, ["remote_ip", "http_path"]);
  const k = spec.key(HTTP);
  assert.equal(k, "192.0.2.7" + KEY_SEPARATOR + "/users/{id}");
  assert.deepEqual(splitKey(k, 2), ["192.0.2.7", "/users/{id}"]);
  assert.deepEqual(splitKey("(other)", 2), ["(other)", "(other)"]);
  assert.deepEqual(splitKey("x", 1), ["x"]);
  assert.deepEqual(parseGroupBy("none").columns, []);
});

Deno.test("values are cut and cannot contain the separator", () => {
  const spec = parseGroupBy("comm,pid");
  const k = spec.key(rec({ comm: "a\u0000b" }));
  assert.deepEqual(splitKey(k, 2), ["a\uFFFDb", "100"]);
  const long = spec.key(rec({ comm: "x".repeat(5000) }));
  assert.equal(splitKey(long, 2)[0]!.length, MAX_KEY_CHARS);
  assert.ok(splitKey(long, 2)[0]!.endsWith("…"));
});

Deno.test("invalid choices throw a RangeError naming the flag", () => {
  assert.throws(
    () => parseGroupBy("path"),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message.startsWith(
        "Invalid value for --group-by: 'path' (use one of ",
      ) &&
      GROUP_BY_CHOICES.every((c) => e.message.includes(c)),
  );
  for (const bad of ["", "pid,pid", "a,b", "pid,comm,protocol", "none,pid"]) {
    assert.throws(() => parseGroupBy(bad), RangeError, bad);
  }
  for (const choice of GROUP_BY_CHOICES) {
    assert.equal(parseGroupBy(choice.toUpperCase()).choices[0], choice);
  }
});
