/**
 * A synthetic capture for pipeline benchmarks: connections speaking HTTP,
 * Redis and MySQL, laid out exactly as the kernel would hand them over, so
 * the whole user-space pipeline can be measured without a kernel.
 *
 * @module
 */
import { Direction, EventWriter, Role } from "../ffi/event_writer.ts";
import { encodeBlock, encodeHeader } from "../lib/capture/format.ts";

const enc = new TextEncoder();

function httpPair(i: number): [Uint8Array, Uint8Array] {
  const body = `{"id":${i},"name":"user ${i}","ok":true}`;
  return [
    enc.encode(`GET /api/users/${i} HTTP/1.1\r\nHost: api.test\r\nUser-Agent: bench/1\r\nAccept: */*\r\n\r\n`),
    enc.encode(
      `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ),
  ];
}

function redisPair(i: number): [Uint8Array, Uint8Array] {
  const key = `user:${i}`;
  const value = `value-${i}`;
  return [
    enc.encode(`*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`),
    enc.encode(`$${value.length}\r\n${value}\r\n`),
  ];
}

function mysqlPacket(seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out[0] = payload.length & 0xff;
  out[1] = (payload.length >> 8) & 0xff;
  out[2] = payload.length >> 16;
  out[3] = seq;
  out.set(payload, 4);
  return out;
}

function mysqlPair(i: number): [Uint8Array, Uint8Array] {
  const query = enc.encode(`\x03UPDATE accounts SET seen = NOW() WHERE id = ${i}`);
  // OK packet: header 0, affected rows 1, last insert id 0, status 2, warnings 0.
  const ok = new Uint8Array([0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00]);
  return [mysqlPacket(0, query), mysqlPacket(1, ok)];
}

const PROTOCOLS = [
  { id: 1, pair: httpPair },
  { id: 2, pair: redisPair },
  { id: 3, pair: mysqlPair },
];

/** What was generated. */
export interface SynthStats {
  exchanges: number;
  payloadBytes: number;
  fileBytes: number;
}

/**
 * Writes a capture of `exchanges` request/response pairs over
 * `connections` keep-alive connections (a third per protocol) to `path`.
 */
export async function writeSyntheticCapture(path: string, exchanges: number, connections = 300): Promise<SynthStats> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  await file.write(encodeHeader(Date.now() * 1e6 - 1e12));
  const w = new EventWriter();
  const conns = Array.from({ length: connections }, (_, k) => ({
    c: { connId: k + 1, tgid: 1000 + (k % 37), fd: 10 + k },
    proto: PROTOCOLS[k % PROTOCOLS.length]!,
    pos: [0, 0],
  }));
  let ts = 1e12;
  for (const x of conns) {
    w.open(x.c, ts, { role: Role.Client, protocol: x.proto.id, comm: "bench" });
  }
  let payloadBytes = 0, fileBytes = HEADER_BYTES;
  const flush = async () => {
    const block = encodeBlock(w.bytes, 0);
    fileBytes += block.length;
    await file.write(block);
    w.clear();
  };
  for (let i = 0; i < exchanges; i++) {
    const x = conns[i % connections]!;
    const [request, response] = x.proto.pair(i);
    ts += 1000;
    w.data(x.c, ts, Direction.Send, x.pos[0]!, request, x.pos[1]);
    x.pos[0]! += request.length;
    ts += 50_000;
    w.data(x.c, ts, Direction.Recv, x.pos[1]!, response, x.pos[0]);
    x.pos[1]! += response.length;
    payloadBytes += request.length + response.length;
    if (w.bytes.length > 1 << 20) await flush();
  }
  for (const x of conns) w.close(x.c, ++ts, x.pos[0]!, x.pos[1]!);
  await flush();
  file.close();
  return { exchanges, payloadBytes, fileBytes };
}

const HEADER_BYTES = 32;
