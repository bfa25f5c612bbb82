import { type Exchange, Stream } from "../common/parser.ts";
import { redisParser as p } from "./mod.ts";
import { bytes, cmd } from "./testdata.ts";
import { clearArray } from "../common/arrays.ts";

// A typical cache read: GET of a session key answered by a JSON value.
const REQ = bytes(cmd("GET", "session:4f6c2a9e-7d1b-4c3e-9a0f-2b8d5e1c7a34"));
const VALUE = '{"user":42,"name":"Ada","roles":["admin"],"exp":1767225600}';
const RESP = bytes(`$${VALUE.length}\r\n${VALUE}\r\n`);
const SET = bytes(cmd("SET", "user:1001:name", "Ada Lovelace", "EX", "3600"));
const OK = bytes("+OK\r\n");

const state = p.createState({ maxBodyBytes: 1024, datagram: false });
const out: Exchange[] = [];
let ts = 0;

function exchange(req: Uint8Array, resp: Uint8Array): void {
  ts += 2;
  p.parseFrame(state, Stream.Request, req, ts, ts);
  p.parseFrame(state, Stream.Response, resp, ts + 1, ts + 1);
  p.match(state, out, false);
  if (out.length !== 1) throw new Error("no exchange");
  clearArray(out);
}

Deno.bench("redisParser GET + 59-byte bulk parsed and matched", () => {
  exchange(REQ, RESP);
});

Deno.bench("redisParser SET … EX + OK parsed and matched", () => {
  exchange(SET, OK);
});
