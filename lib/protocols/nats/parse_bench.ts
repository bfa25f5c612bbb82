import { type Exchange, Stream } from "../common/parser.ts";
import { natsParser as p } from "./mod.ts";
import { bytes } from "./testdata.ts";
import { clearArray } from "../common/arrays.ts";

// A sensor reading delivered to a subscriber, and one published in verbose mode with its +OK.
const VALUE = '{"t":21.5,"h":40,"ts":1767225600}';
const MSG = bytes(`MSG plant.3.line.7.temperature 1 ${VALUE.length}\r\n${VALUE}\r\n`);
const PUB = bytes(`PUB plant.3.line.7.temperature ${VALUE.length}\r\n${VALUE}\r\n`);
const OK = bytes("+OK\r\n");

const state = p.createState({ maxBodyBytes: 1024, datagram: false });
p.parseFrame(state, Stream.Request, bytes('CONNECT {"verbose":true}\r\n'), 0, 0);
p.parseFrame(state, Stream.Response, OK, 1, 1);
const out: Exchange[] = [];
p.match(state, out, false);
let ts = 2;

Deno.bench("natsParser MSG (34 B JSON) delivered", () => {
  ts += 1;
  p.parseFrame(state, Stream.Response, MSG, ts, ts);
  clearArray(out);
  p.match(state, out, false);
  if (out.length !== 1) throw new Error("no exchange");
});

Deno.bench("natsParser PUB (34 B JSON) + +OK parsed and matched", () => {
  ts += 2;
  p.parseFrame(state, Stream.Request, PUB, ts, ts);
  p.parseFrame(state, Stream.Response, OK, ts + 1, ts + 1);
  clearArray(out);
  p.match(state, out, false);
  if (out.length !== 1) throw new Error("no exchange");
});
