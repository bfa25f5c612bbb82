/**
 * One-line table text of a MySQL exchange.
 *
 * @module
 */

import type { MysqlRequest, MysqlResponse } from "./types.ts";

/** Longest request text shown, in characters. */
const MAX_TEXT = 100;

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > MAX_TEXT ? t.slice(0, MAX_TEXT - 1) + "\u2026" : t;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

function head(q: MysqlRequest): string {
  const name = q.command.startsWith("COM_") ? q.command.slice(4) : q.command;
  if (q.command === "COM_QUERY") return oneLine(q.query ?? "");
  if (q.command.startsWith("COM_STMT_")) {
    const verb = name.slice(5);
    return q.query !== null ? `${verb} ${oneLine(q.query)}` : `${verb} #${q.statement_id ?? "?"}`;
  }
  return q.query !== null ? `${name} ${oneLine(q.query)}` : name;
}

function tail(q: MysqlRequest | null, r: MysqlResponse): string {
  if (r.status === "error") {
    return `ERR ${r.error_code ?? "?"} ${oneLine(r.error_message ?? "")}`;
  }
  if (r.status === "resultset") return plural(r.rows ?? 0, "row");
  if (r.statement_id !== undefined) {
    return `OK stmt ${r.statement_id}, ${plural(r.param_count ?? 0, "param")}`;
  }
  const cmd = q?.command;
  if (
    r.affected_rows !== undefined &&
    (cmd === "COM_QUERY" || cmd === "COM_STMT_EXECUTE")
  ) {
    return `OK ${plural(r.affected_rows, "row")} affected`;
  }
  return "OK";
}

/** Commands that get no response: nothing to show after them. */
const SILENT = new Set([
  "COM_QUIT",
  "COM_STMT_CLOSE",
  "COM_STMT_SEND_LONG_DATA",
  "COM_BINLOG_DUMP",
  "COM_BINLOG_DUMP_GTID",
]);

/**
 * One table line for an exchange: `SELECT * FROM t -> 3 rows`,
 * `SELECT * FROM x -> ERR 1146 Table 'x' doesn't exist`,
 * `INSERT INTO t VALUES (1) -> OK 1 row affected`, `PING -> OK`,
 * `EXECUTE SELECT ... -> 1 row`, or `... -> (no response)`.
 */
export function summarize(req: unknown, resp: unknown): string {
  const q = req as MysqlRequest | null;
  const r = resp as MysqlResponse | null;
  const h = q ? head(q) : "?";
  if (!r) return q && SILENT.has(q.command) ? h : `${h} -> (no response)`;
  return `${h} -> ${tail(q, r)}`;
}
