/**
 * Start-up warm-up of a shard worker: every protocol's sample exchange,
 * replayed through a throwaway tracker until V8 has compiled the hot paths
 * (parsing, matching, record building, NDJSON encoding).
 *
 * Measured: an unwarmed worker fell behind a 5,000 requests/s keep-alive
 * client on a 512 KiB ring in its first second and lost events; warmed
 * (about 100 ms per worker), it did not.
 *
 * @module
 */
import { Direction, EventWriter, Role } from "../../ffi/event_writer.ts";
import { PROTOCOLS } from "../protocols/registry.ts";
import { type ExchangeSink, Tracker } from "./tracker.ts";

/** Sample exchanges replayed per protocol. */
export const WARM_UP_EXCHANGES = 1000;
/** Connections the samples are spread over, per protocol. */
const CONNECTIONS = 10;

/**
 * Replays `exchanges` of each protocol's sample through a tracker of its
 * own into `sink`; returns how many exchanges the sink received.
 */
export function warmUp(sink: ExchangeSink, maxBodyBytes: number, exchanges = WARM_UP_EXCHANGES): number {
  let received = 0;
  const tracker = new Tracker({ maxBodyBytes }, (protocol, conn, ex) => {
    received++;
    sink(protocol, conn, ex);
  });
  const w = new EventWriter();
  const feed = () => {
    tracker.handleBatch(w.bytes, w.bytes.length);
    w.clear();
  };
  let connId = 1;
  let ts = 1e9;
  for (const { id, parser } of PROTOCOLS) {
    const sample = parser.sample;
    if (!sample) continue;
    const conns = Array.from({ length: CONNECTIONS }, () => {
      const c = { connId, tgid: 1, fd: 100 + connId++ };
      w.open(c, ts, { role: Role.Client, protocol: id, comm: "l7trace-warm-up" });
      return { c, sent: 0, received: 0 };
    });
    for (let i = 0; i < exchanges; i++) {
      const x = conns[i % CONNECTIONS]!;
      w.data(x.c, ts += 1000, Direction.Send, x.sent, sample.request, x.received);
      x.sent += sample.request.length;
      w.data(x.c, ts += 1000, Direction.Recv, x.received, sample.response, x.sent);
      x.received += sample.response.length;
      if (w.bytes.length >= 1 << 20) feed();
    }
    for (const x of conns) w.close(x.c, ts += 1000, x.sent, x.received);
    feed();
  }
  return received;
}
