import assert from "node:assert/strict";
import { type HeaderField, HpackDecoder, UNKNOWN } from "./hpack.ts";
import { huffmanDecode, huffmanEncode } from "./huffman.ts";

const hex = (s: string) => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));
const ascii = (s: string) => new TextEncoder().encode(s);

/** RFC 7541 Appendix C: block, decoded list, table size after, table entries after (newest first). */
type Vector = [id: string, block: string, fields: HeaderField[], size: number, table?: HeaderField[]];

const REQ1: HeaderField[] = [[":method", "GET"], [":scheme", "http"], [":path", "/"], [
  ":authority",
  "www.example.com",
]];
const REQ2: HeaderField[] = [...REQ1, ["cache-control", "no-cache"]];
const REQ3: HeaderField[] = [
  [":method", "GET"],
  [":scheme", "https"],
  [":path", "/index.html"],
  [":authority", "www.example.com"],
  ["custom-key", "custom-value"],
];
const REQ_TABLE: HeaderField[] = [["custom-key", "custom-value"], ["cache-control", "no-cache"], [
  ":authority",
  "www.example.com",
]];
const DATE1 = "Mon, 21 Oct 2013 20:13:21 GMT";
const COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
const RESP1: HeaderField[] = [[":status", "302"], ["cache-control", "private"], ["date", DATE1], [
  "location",
  "https://www.example.com",
]];
const RESP2: HeaderField[] = [[":status", "307"], ...RESP1.slice(1)];
const RESP3: HeaderField[] = [
  [":status", "200"],
  ["cache-control", "private"],
  ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
  ["location", "https://www.example.com"],
  ["content-encoding", "gzip"],
  ["set-cookie", COOKIE],
];
const RESP_TABLE1: HeaderField[] = [["location", "https://www.example.com"], ["date", DATE1], [
  "cache-control",
  "private",
], [":status", "302"]];
const RESP_TABLE2: HeaderField[] = [[":status", "307"], ...RESP_TABLE1.slice(0, 3)];
const RESP_TABLE3: HeaderField[] = [["set-cookie", COOKIE], ["content-encoding", "gzip"], [
  "date",
  "Mon, 21 Oct 2013 20:13:22 GMT",
]];

const SEQUENCES: { tableSize: number; vectors: Vector[] }[] = [
  {
    tableSize: 4096,
    vectors: [[
      "C.2.1",
      "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
      [["custom-key", "custom-header"]],
      55,
      [["custom-key", "custom-header"]],
    ]],
  },
  { tableSize: 4096, vectors: [["C.2.2", "040c2f73616d706c652f70617468", [[":path", "/sample/path"]], 0, []]] },
  { tableSize: 4096, vectors: [["C.2.3", "100870617373776f726406736563726574", [["password", "secret"]], 0, []]] },
  { tableSize: 4096, vectors: [["C.2.4", "82", [[":method", "GET"]], 0, []]] },
  {
    tableSize: 4096,
    vectors: [
      ["C.3.1", "828684410f7777772e6578616d706c652e636f6d", REQ1, 57, [[":authority", "www.example.com"]]],
      ["C.3.2", "828684be58086e6f2d6361636865", REQ2, 110, REQ_TABLE.slice(1)],
      ["C.3.3", "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565", REQ3, 164, REQ_TABLE],
    ],
  },
  {
    tableSize: 4096,
    vectors: [
      ["C.4.1", "828684418cf1e3c2e5f23a6ba0ab90f4ff", REQ1, 57, [[":authority", "www.example.com"]]],
      ["C.4.2", "828684be5886a8eb10649cbf", REQ2, 110, REQ_TABLE.slice(1)],
      ["C.4.3", "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf", REQ3, 164, REQ_TABLE],
    ],
  },
  {
    tableSize: 256,
    vectors: [
      [
        "C.5.1",
        "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e17" +
        "68747470733a2f2f7777772e6578616d706c652e636f6d",
        RESP1,
        222,
        RESP_TABLE1,
      ],
      ["C.5.2", "4803333037c1c0bf", RESP2, 222, RESP_TABLE2],
      [
        "C.5.3",
        "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d41" +
        "53444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
        RESP3,
        215,
        RESP_TABLE3,
      ],
    ],
  },
  {
    tableSize: 256,
    vectors: [
      [
        "C.6.1",
        "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
        RESP1,
        222,
        RESP_TABLE1,
      ],
      ["C.6.2", "4883640effc1c0bf", RESP2, 222, RESP_TABLE2],
      [
        "C.6.3",
        "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5" +
        "af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
        RESP3,
        215,
        RESP_TABLE3,
      ],
    ],
  },
];

for (const { tableSize, vectors } of SEQUENCES) {
  Deno.test(`hpack: RFC 7541 ${vectors.map((v) => v[0]).join(", ")}`, () => {
    const dec = new HpackDecoder();
    dec.maxSize = tableSize;
    for (const [id, block, fields, size, table] of vectors) {
      assert.deepEqual(dec.decode(hex(block)), fields, id);
      assert.equal(dec.size, size, `${id} table size`);
      if (table) assert.deepEqual(dec.entries, table, `${id} table`);
    }
  });
}

Deno.test("hpack: dynamic table size update evicts, and must come first", () => {
  const dec = new HpackDecoder();
  dec.decode(hex("828684410f7777772e6578616d706c652e636f6d"));
  assert.equal(dec.entries.length, 1);
  // 0x20 = size update to 0 (empties the table), then back to 4096 (0x3f e1 1f).
  assert.deepEqual(dec.decode(hex("203fe11f82")), [[":method", "GET"]]);
  assert.equal(dec.entries.length, 0);
  assert.equal(dec.maxSize, 4096);
  assert.equal(typeof dec.decode(hex("8220")), "string");
  // Above the SETTINGS bound: refused.
  assert.equal(typeof new HpackDecoder().decode(hex("3fe1ff03")), "string");
});

Deno.test("hpack: a table above the 64 KiB cap marks evicted references unknown", () => {
  const dec = new HpackDecoder();
  dec.setAllowedMax(1 << 20);
  // Size update to 1 MiB: 0x3f then 2^20 - 31 as a varint.
  let v = (1 << 20) - 31;
  const upd = [0x3f];
  while (v >= 128) {
    upd.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  upd.push(v);
  assert.deepEqual(dec.decode(new Uint8Array(upd)), []);
  assert.equal(dec.maxSize, 64 * 1024);
  assert.deepEqual(dec.decode(hex("be")), [[UNKNOWN, UNKNOWN]]);
});

Deno.test("hpack: lost sync never yields a wrong value", () => {
  const dec = new HpackDecoder();
  dec.loseSync();
  // C.3.2 references :authority at index 62, which we never saw.
  assert.deepEqual(dec.decode(hex("828684be58086e6f2d6361636865")), [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [UNKNOWN, UNKNOWN],
    ["cache-control", "no-cache"],
  ]);
  // Without a size update, inserts are not tracked: 62 stays unknown.
  assert.deepEqual(dec.decode(hex("be")), [[UNKNOWN, UNKNOWN]]);
  // A size update to 0 empties the peer's table: we know it fully again.
  dec.decode(hex("20"));
  dec.decode(hex("3fe11f"));
  assert.ok(dec.synced);
  dec.decode(hex("400a637573746f6d2d6b65790d637573746f6d2d686561646572"));
  assert.deepEqual(dec.decode(hex("be")), [["custom-key", "custom-header"]]);
});

Deno.test("hpack: hostile blocks return errors, never throw", () => {
  for (
    const bad of [
      "80", // index 0
      "ff", // truncated integer
      "ffffffffffffff7f", // absurd integer
      "bf", // index 64 with an empty table
      "410f77", // truncated string
      "4185ffffffffff", // EOS in Huffman string
      "41820000", // padding not all ones
    ]
  ) {
    assert.equal(typeof new HpackDecoder().decode(hex(bad)), "string", bad);
  }
});

Deno.test("huffman: round trip of every byte value", () => {
  const all = new Uint8Array(256).map((_, i) => i);
  assert.deepEqual(huffmanDecode(huffmanEncode(all)), all);
  assert.deepEqual(huffmanDecode(huffmanEncode(ascii("www.example.com"))), ascii("www.example.com"));
  assert.deepEqual(huffmanEncode(ascii("www.example.com")), hex("f1e3c2e5f23a6ba0ab90f4ff"));
  assert.equal(huffmanDecode(hex("ffffffff")), null, "EOS inside the string");
});
