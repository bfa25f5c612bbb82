import assert from "node:assert/strict";
import { MAX_SQL_CHARS, normalizeSql } from "./sql_normalize.ts";

const MYSQL: [string, string][] = [
  ["SELECT * FROM users WHERE id = 42", "SELECT * FROM users WHERE id = ?"],
  [
    "select * from users where name = 'O''Brien'",
    "select * from users where name = ?",
  ],
  ["SELECT 'it\\'s' AS x", "SELECT ? AS x"],
  ["SELECT 'C:\\\\' , 1", "SELECT ?, ?"],
  ["SELECT 3.14, .5, 1e10, 1.5E-3, 0x1F, 0b101", "SELECT ?, ?, ?, ?, ?, ?"],
  [
    "SELECT * FROM t WHERE a = -5 AND b > -0.5",
    "SELECT * FROM t WHERE a = ? AND b > ?",
  ],
  ["SELECT a - 5, a-5, (a) - 1 FROM t", "SELECT a - ?, a-?, (a) - ? FROM t"],
  ["SELECT -1", "SELECT ?"],
  [
    "SELECT * FROM t WHERE id IN (1, 2, 3, 4)",
    "SELECT * FROM t WHERE id IN (?)",
  ],
  [
    "SELECT * FROM t WHERE id IN ( 1,2 , 3 )",
    "SELECT * FROM t WHERE id IN (?)",
  ],
  ["SELECT * FROM t WHERE id IN ('a', 'b')", "SELECT * FROM t WHERE id IN (?)"],
  ["SELECT * FROM t WHERE id IN (?, ?, ?)", "SELECT * FROM t WHERE id IN (?)"],
  [
    "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')",
    "INSERT INTO t (a, b) VALUES (?)",
  ],
  [
    "INSERT INTO t (a, b) VALUES (1, NOW()), (2, NOW())",
    "INSERT INTO t (a, b) VALUES (?, NOW())",
  ],
  ["INSERT INTO t VALUES (1,2),(3,4),(5,", "INSERT INTO t VALUES (?)"],
  ["INSERT INTO t VALUES (1, 'abc", "INSERT INTO t VALUES (?)"],
  [
    "SELECT /* hint */ a -- trailing\nFROM t # mysql comment\nWHERE b = 1",
    "SELECT a FROM t WHERE b = ?",
  ],
  ["SELECT\n\t a ,\r\n b\n  FROM   t ;", "SELECT a, b FROM t"],
  [
    'SELECT `order`, "col" FROM `my``table`',
    'SELECT `order`, "col" FROM `my``table`',
  ],
  ["SELECT N'abc', X'0F', B'101', _utf8mb4'héllo'", "SELECT ?, ?, ?, ?"],
  ["SELECT t1.col2, 1col FROM db1.t1", "SELECT t1.col2, 1col FROM db1.t1"],
  ["SELECT COUNT(*) FROM t LIMIT 10, 20", "SELECT COUNT(*) FROM t LIMIT ?, ?"],
  [
    "UPDATE t SET a = 'x', b = b + 1 WHERE id = 7",
    "UPDATE t SET a = ?, b = b + ? WHERE id = ?",
  ],
  [
    "SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4))",
    "SELECT * FROM t WHERE (a, b) IN ((?))",
  ],
  ["SELECT f(1, 2), g('a')", "SELECT f(?), g(?)"],
  ["SELECT $1", "SELECT ?"],
  ["BEGIN; UPDATE t SET x = 1; COMMIT;", "BEGIN; UPDATE t SET x = ?; COMMIT"],
  ["SELECT 'unterminated", "SELECT ?"],
  ["", ""],
];

const PG: [string, string][] = [
  [
    "SELECT * FROM users WHERE id = $1 AND org = $2",
    "SELECT * FROM users WHERE id = ? AND org = ?",
  ],
  ["SELECT 'C:\\' , 1", "SELECT ?, ?"],
  ["SELECT E'it\\'s', 2", "SELECT ?, ?"],
  ["SELECT $$a 'quoted' $1 body$$, $fn$ x $fn$", "SELECT ?, ?"],
  [
    "SELECT '5'::int, x::text FROM \"Users\"",
    'SELECT ?::int, x::text FROM "Users"',
  ],
  ["SELECT ARRAY[1, 2, 3], a[1]", "SELECT ARRAY[?], a[?]"],
  [
    "SELECT data->>'name', data #> '{a,b}' FROM t",
    "SELECT data->>?, data #> ? FROM t",
  ],
  ["SELECT /* outer /* inner */ still comment */ 1", "SELECT ?"],
  ["SELECT 1_000_000, 1.5e-3", "SELECT ?, ?"],
  ["SELECT * FROM t WHERE id = ANY($1)", "SELECT * FROM t WHERE id = ANY(?)"],
  [
    "INSERT INTO t VALUES ($1, $2), ($3, $4) RETURNING id",
    "INSERT INTO t VALUES (?) RETURNING id",
  ],
  ["SELECT $ FROM t", "SELECT $ FROM t"],
  ["SELECT col$1 FROM t", "SELECT col$1 FROM t"],
];

for (const [input, want] of MYSQL) {
  Deno.test(`normalizeSql mysql ${JSON.stringify(input)}`, () => {
    assert.equal(normalizeSql(input, "mysql"), want);
  });
}

for (const [input, want] of PG) {
  Deno.test(`normalizeSql postgresql ${JSON.stringify(input)}`, () => {
    assert.equal(normalizeSql(input, "postgresql"), want);
  });
}

Deno.test("normalizeSql ignores input beyond MAX_SQL_CHARS", () => {
  const long = "SELECT " + "a".repeat(MAX_SQL_CHARS) + " WHERE x = 1";
  assert.equal(normalizeSql(long).length, MAX_SQL_CHARS);
});

Deno.test("normalizeSql is linear on hostile input", () => {
  const inputs = [
    "'" + "\\".repeat(200_000),
    "(".repeat(60_000) + "1,".repeat(2000),
    "$a".repeat(30_000),
    "/*".repeat(30_000),
    "(1), ".repeat(10_000),
    "(), (".repeat(12_000) + ")".repeat(12_000),
    "((".repeat(10_000) + "),(".repeat(10_000),
  ];
  for (const input of inputs) {
    const t0 = performance.now();
    normalizeSql(input, "postgresql");
    normalizeSql(input, "mysql");
    assert.ok(performance.now() - t0 < 500, input.slice(0, 20));
  }
});
