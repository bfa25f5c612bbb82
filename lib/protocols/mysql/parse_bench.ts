import { type Exchange, Stream } from "../common/parser.ts";
import { mysqlParser } from "./mod.ts";
import { ok, query, resultSet } from "./testdata.ts";
import { clearArray } from "../common/arrays.ts";

// A typical point query answered by a 3-column, 3-row result set, and an
// INSERT answered by OK, as libmariadb sends them (no CLIENT_DEPRECATE_EOF).
const SELECT = query("SELECT id, name, price FROM items WHERE qty > 2 ORDER BY id");
const ROWS = resultSet(["id", "name", "price"], [
  ["1", "apple", "1.25"],
  ["2", "pear", "2.50"],
  ["4", "kiwi", "3.10"],
]);
const INSERT = query("INSERT INTO items (name, price, qty) VALUES ('kiwi', 3.10, 5)");
const OK = ok(1, 1, 15);

const state = mysqlParser.createState({ maxBodyBytes: 1024, datagram: false });
const out: Exchange[] = [];
let ts = 0;

function exchange(req: Uint8Array, resp: Uint8Array): void {
  ts += 2;
  mysqlParser.parseFrame(state, Stream.Request, req, ts, ts);
  mysqlParser.match(state, out, false);
  mysqlParser.parseFrame(state, Stream.Response, resp, ts + 1, ts + 1);
  mysqlParser.match(state, out, false);
  if (out.length !== 1) throw new Error("no exchange");
  clearArray(out);
}

Deno.bench("mysqlParser COM_QUERY + 3-row result set parsed and matched", () => {
  exchange(SELECT, ROWS);
});

Deno.bench("mysqlParser COM_QUERY INSERT + OK parsed and matched", () => {
  exchange(INSERT, OK);
});
