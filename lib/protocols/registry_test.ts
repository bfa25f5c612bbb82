import assert from "node:assert/strict";
import { parserFor, parserNamed, protocolMask, protocolNames, PROTOCOLS } from "./registry.ts";

Deno.test("registry: every protocol by kernel id and by name", () => {
  for (const p of PROTOCOLS) {
    assert.equal(parserFor(p.id), p.parser);
    assert.equal(parserNamed(p.parser.protocol), p.parser);
  }
  assert.equal(parserFor(0), undefined);
  assert.equal(parserNamed("smtp"), undefined);
  assert.deepEqual(protocolNames(), [
    "http",
    "redis",
    "mysql",
    "pgsql",
    "dns",
    "http2",
    "memcached",
    "mqtt",
    "nats",
    "amqp",
  ]);
});

Deno.test("registry: the kernel mask of a protocol includes those that can switch to it", () => {
  assert.equal(protocolMask("redis"), 1 << 2);
  // h2c by upgrade starts as HTTP/1.1.
  assert.equal(protocolMask("http2"), (1 << 6) | (1 << 1));
  assert.equal(protocolMask("mqtt"), 1 << 8);
  assert.equal(protocolMask("nats"), 1 << 9);
  assert.equal(protocolMask("memcached"), 1 << 7);
  assert.equal(protocolMask("amqp"), 1 << 10);
  assert.equal(protocolMask(null), 0b11111111110);
});
