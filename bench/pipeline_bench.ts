/**
 * The user-space pipeline in one thread, without process start-up:
 * decode, track, parse, match, build, serialise and encode records, for
 * synthetic HTTP and Redis traffic. `deno bench bench/pipeline_bench.ts`.
 */
import { Direction, EventWriter, Role } from "../ffi/event_writer.ts";
import { Tracker } from "../lib/conn/tracker.ts";
import { recordJson, wallClock, writeRecord } from "../lib/record.ts";
import { LineBuffer, releaseLines } from "../workers/line_buffer.ts";

const CLOCK = wallClock(1.7e18);

const enc = new TextEncoder();
const PAIRS: Record<number, [string, string]> = {
  1: [
    "GET /api/users/7 HTTP/1.1\r\nHost: api.test\r\nUser-Agent: bench/1\r\nAccept: */*\r\n\r\n",
    'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{"id":7,"x":1}',
  ],
  2: ["*2\r\n$3\r\nGET\r\n$6\r\nuser:7\r\n", "$7\r\nvalue-7\r\n"],
};

/** A batch of `n` exchanges of one protocol on 100 connections. */
export function batch(protocol: number, n: number): Uint8Array {
  const w = new EventWriter();
  const [q, r] = PAIRS[protocol]!.map((s) => enc.encode(s)) as [Uint8Array, Uint8Array];
  const conns = Array.from({ length: 100 }, (_, i) => ({ c: { connId: i + 1, tgid: 7, fd: i + 3 }, pos: [0, 0] }));
  for (const x of conns) w.open(x.c, 1, { role: Role.Client, protocol });
  let ts = 10;
  for (let i = 0; i < n; i++) {
    const x = conns[i % conns.length]!;
    w.data(x.c, ts += 1000, Direction.Send, x.pos[0]!, q, x.pos[1]);
    x.pos[0]! += q.length;
    w.data(x.c, ts += 1000, Direction.Recv, x.pos[1]!, r, x.pos[0]);
    x.pos[1]! += r.length;
  }
  return w.bytes.slice();
}

// Not behind import.meta.main: under `deno bench` that is false, and nothing would run.
for (const [name, protocol] of [["http", 1], ["redis", 2]] as const) {
  const events = batch(protocol, 10_000);
  // As a worker prints records unchanged (plain watch, --json): parsers may write JSON bytes.
  Deno.bench(`pipeline ${name}: 10,000 exchanges, decode to NDJSON bytes`, () => {
    let records = 0;
    const lines: LineBuffer = new LineBuffer(() => releaseLines(lines.take()));
    const t = new Tracker({ maxBodyBytes: 1024, renderJson: true }, (p, conn, ex) => {
      records++;
      writeRecord(lines, p, conn, ex, CLOCK);
    });
    t.handleBatch(events, events.length);
    if (records !== 10_000 || lines.take().length === 0) throw new Error(`${records} records`);
  });
  // As a worker that filters, aggregates or redacts records builds them: objects, then JSON.stringify.
  Deno.bench(`pipeline ${name}: 10,000 exchanges, as objects, then NDJSON`, () => {
    let records = 0;
    const lines: LineBuffer = new LineBuffer(() => releaseLines(lines.take()));
    const t = new Tracker({ maxBodyBytes: 1024 }, (p, conn, ex) => {
      records++;
      lines.push(recordJson(p, conn, ex, CLOCK) + "\n");
    });
    t.handleBatch(events, events.length);
    if (records !== 10_000 || lines.take().length === 0) throw new Error(`${records} records`);
  });
}
