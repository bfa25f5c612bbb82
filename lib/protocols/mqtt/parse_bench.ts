import { type Exchange, Stream } from "../common/parser.ts";
import { mqttParser as p } from "./mod.ts";
import { packet, str } from "./testdata.ts";
import { clearArray } from "../common/arrays.ts";

// A sensor reading at QoS 1 (MQTT 5) and its PUBACK; a QoS 0 one.
const VALUE = [...new TextEncoder().encode('{"t":21.5,"h":40,"ts":1767225600}')];
const QOS1 = packet(0x32, str("plant/3/line/7/temperature"), 0, 1, 0, VALUE);
const PUBACK = packet(0x40, 0, 1);
const QOS0 = packet(0x30, str("plant/3/line/7/temperature"), 0, VALUE);

const state = p.createState({ maxBodyBytes: 1024, datagram: false });
p.parseFrame(state, Stream.Request, packet(0x10, str("MQTT"), 5, 2, 0, 60, 0, str("bench")), 0, 0);
p.parseFrame(state, Stream.Response, packet(0x20, 0, 0, 0), 1, 1);
const out: Exchange[] = [];
p.match(state, out, false);
let ts = 2;

Deno.bench("mqttParser PUBLISH QoS 1 (34 B JSON) + PUBACK parsed and matched", () => {
  ts += 2;
  p.parseFrame(state, Stream.Request, QOS1, ts, ts);
  p.parseFrame(state, Stream.Response, PUBACK, ts + 1, ts + 1);
  clearArray(out);
  p.match(state, out, false);
  if (out.length !== 1) throw new Error("no exchange");
});

Deno.bench("mqttParser PUBLISH QoS 0 parsed", () => {
  ts += 1;
  p.parseFrame(state, Stream.Request, QOS0, ts, ts);
  clearArray(out);
  p.match(state, out, false);
  if (out.length !== 1) throw new Error("no exchange");
});
