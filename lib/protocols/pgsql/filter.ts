/**
 * PostgreSQL command-line filters: `--query-regex` keeps exchanges whose
 * SQL matches one of the given regular expressions.
 *
 * @module
 */

import { compileRegex, type FilterSpec } from "../common/filter.ts";
import type { PgsqlRequest } from "./types.ts";

/** The PostgreSQL protocol's filters. */
export const filters: FilterSpec = {
  flags: {
    "query-regex":
      "keep requests whose SQL matches this regular expression (JavaScript syntax; repeat the flag to match any of several)",
  },
  build(values) {
    const sources = values["query-regex"];
    if (!sources || sources.length === 0) return null;
    // Not comma-split: a comma is a legitimate regular-expression character.
    const res = sources.map((v) => compileRegex("query-regex", v));
    return (req) => {
      const q = (req as PgsqlRequest | null)?.query;
      return typeof q === "string" && res.some((re) => re.test(q));
    };
  },
};
