import assert from "node:assert/strict";
import { StreamBuffer } from "./stream_buffer.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("StreamBuffer keeps bytes in order and tracks positions", () => {
  const b = new StreamBuffer();
  b.reset(100);
  b.append(bytes("hello "), 1);
  b.append(bytes("world"), 2);
  assert.equal(text(b.view()), "hello world");
  assert.equal(b.expected, 111);
  b.consume(6);
  assert.equal(b.headPos, 106);
  assert.equal(text(b.view()), "world");
});

Deno.test("StreamBuffer dates the head byte by the event that carried it", () => {
  const b = new StreamBuffer();
  b.append(bytes("aaa"), 10);
  b.append(bytes("bbb"), 20);
  b.append(bytes("ccc"), 30);
  assert.equal(b.headTs, 10);
  b.consume(3);
  assert.equal(b.headTs, 20);
  b.consume(4);
  assert.equal(b.headTs, 30);
  assert.equal(b.lastTs, 30);
});

Deno.test("StreamBuffer grows past its first capacity and compacts", () => {
  const b = new StreamBuffer();
  const chunk = new Uint8Array(3000).fill(7);
  for (let i = 0; i < 10; i++) b.append(chunk, i);
  assert.equal(b.length, 30000);
  b.consume(29999);
  b.append(bytes("z"), 11);
  assert.deepEqual([...b.view()], [7, 122]);
});

Deno.test("StreamBuffer reset drops bytes and moves the head", () => {
  const b = new StreamBuffer();
  b.append(bytes("abc"), 1);
  b.reset(500);
  assert.equal(b.length, 0);
  assert.equal(b.expected, 500);
  assert.equal(b.headTs, 0);
});

Deno.test("StreamBuffer lends an event's bytes and copies only the unparsed rest on settle", () => {
  const b = new StreamBuffer();
  const event = bytes("GET / HTTP/1.1\r\n\r\nGET /x");
  b.append(event, 1);
  assert.equal(b.capacity, 0, "lent, not copied");
  b.consume(18);
  b.settle();
  event.fill(0); // the drain buffer is reused
  assert.equal(text(b.view()), "GET /x");
  b.consume(6);
  assert.equal(b.capacity, 0, "an empty buffer holds no storage");
});
