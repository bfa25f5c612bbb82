/**
 * Redis command-line filters: `--command`, `--keys`, `--key-prefix`.
 *
 * @module
 */

import { type FilterSpec, listValues } from "../common/filter.ts";
import type { RedisRequest } from "./types.ts";

function flagList(
  values: Readonly<Record<string, readonly string[]>>,
  flag: string,
): string[] | null {
  const raw = values[flag];
  if (raw === undefined) return null;
  const list = listValues(raw);
  if (list.length === 0) {
    throw new RangeError(
      `Invalid value for --${flag}: '${raw.join(",")}' names nothing`,
    );
  }
  return list;
}

/** The Redis {@linkcode FilterSpec}; flags combine with AND, list items with OR. */
export const filters: FilterSpec = {
  flags: {
    command: "keep these commands (comma list, any case; two-word commands as 'CONFIG GET')",
    keys: "keep commands whose first argument is one of these keys (comma list)",
    "key-prefix": "keep commands whose first argument starts with one of these (comma list)",
  },

  build(values) {
    const commands = flagList(values, "command");
    const keys = flagList(values, "keys");
    const prefixes = flagList(values, "key-prefix");
    if (!commands && !keys && !prefixes) return null;
    const wanted = commands &&
      new Set(commands.map((c) => c.split(/\s+/).join(" ").toUpperCase()));
    const keySet = keys && new Set(keys);
    return (req) => {
      const q = req as RedisRequest | null;
      if (!q || typeof q.command !== "string" || !Array.isArray(q.args)) {
        return false;
      }
      if (wanted && !wanted.has(q.command)) return false;
      const first = q.args[0];
      if (keySet && (first === undefined || !keySet.has(first))) return false;
      if (
        prefixes &&
        (first === undefined || !prefixes.some((p) => first.startsWith(p)))
      ) return false;
      return true;
    };
  },
};
