/**
 * Command-line filters of the MySQL protocol.
 *
 * @module
 */

import { compileRegex, type ExchangePredicate, type FilterSpec, listValues } from "../common/filter.ts";
import { COMMAND_NAMES, type MysqlRequest } from "./types.ts";

const KNOWN = new Set([...COMMAND_NAMES.values()]);

/** `--query-regex` and `--command` for MySQL exchanges. */
export const filters: FilterSpec = {
  flags: {
    "query-regex": "keep MySQL exchanges whose SQL (or schema name) matches this regular expression (any of several)",
    command: "keep MySQL commands by name without COM_, comma-separated, any case (query, stmt_execute, ping, ...)",
  },

  build(values): ExchangePredicate | null {
    const regexes = (values["query-regex"] ?? []).map((s) => compileRegex("query-regex", s));
    const names = new Set<string>();
    for (const v of listValues(values["command"])) {
      const up = v.toUpperCase();
      const name = up.startsWith("COM_") ? up : `COM_${up}`;
      if (!KNOWN.has(name)) {
        throw new RangeError(
          `Invalid value for --command: '${v}' is not a MySQL command`,
        );
      }
      names.add(name);
    }
    if (regexes.length === 0 && names.size === 0) return null;
    return (req) => {
      const q = req as MysqlRequest | null;
      if (!q) return false;
      if (names.size > 0 && !names.has(q.command)) return false;
      if (regexes.length === 0) return true;
      const sql = q.query;
      return sql !== null && regexes.some((re) => re.test(sql));
    };
  },
};
