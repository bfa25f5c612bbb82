import { type Exchange, Stream } from "../common/parser.ts";
import { httpParser } from "./mod.ts";
import { bytes } from "./testdata.ts";
import { clearArray } from "../common/arrays.ts";

const REQ = bytes(
  "GET /api/v1/users/42?fields=name,email HTTP/1.1\r\n" +
    "Host: api.example.com\r\n" +
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n" +
    "Accept: application/json\r\n" +
    "Accept-Encoding: gzip, deflate\r\n" +
    "Connection: keep-alive\r\n" +
    "\r\n",
);
const RESP = bytes(
  "HTTP/1.1 200 OK\r\n" +
    "Date: Sat, 22 Nov 2025 01:00:00 GMT\r\n" +
    "Content-Type: application/json\r\n" +
    "Content-Length: 42\r\n" +
    "Connection: keep-alive\r\n" +
    "\r\n" +
    '{"id":42,"name":"Ada","email":"a@ex.org"}\n',
);

const state = httpParser.createState({ maxBodyBytes: 4096, datagram: false });
const out: Exchange[] = [];
let ts = 0;

function pair(): void {
  ts += 2;
  httpParser.parseFrame(state, Stream.Request, REQ, ts, ts);
  httpParser.parseFrame(state, Stream.Response, RESP, ts + 1, ts + 1);
  httpParser.match(state, out, false);
  if (out.length !== 1) throw new Error("no exchange");
  clearArray(out);
}

Deno.bench("httpParser keep-alive GET + 200, one pair", pair);

// Deno.bench times each call of a µs-long function on its own, which adds
// timer overhead; 100 pairs per call give the per-pair cost (÷ 100).
Deno.bench("httpParser keep-alive GET + 200, 100 pairs", () => {
  for (let i = 0; i < 100; i++) pair();
});
