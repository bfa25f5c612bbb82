/**
 * memcached command-line filters: `--command`, `--keys`, `--key-prefix`.
 *
 * @module
 */

import { type FilterSpec, listValues } from "../common/filter.ts";
import type { McRequest } from "./types.ts";

function flagList(values: Readonly<Record<string, readonly string[]>>, flag: string): string[] | null {
  const raw = values[flag];
  if (raw === undefined) return null;
  const list = listValues(raw);
  if (list.length === 0) throw new RangeError(`Invalid value for --${flag}: '${raw.join(",")}' names nothing`);
  return list;
}

/** The memcached {@linkcode FilterSpec}; flags combine with AND, list items with OR, keys match any key of a request. */
export const filters: FilterSpec = {
  flags: {
    command: "keep these commands (comma list, any case: get,set,mg)",
    keys: "keep requests naming one of these keys (comma list; any key of a multi-key get)",
    "key-prefix": "keep requests with a key starting with one of these (comma list)",
  },

  build(values) {
    const commands = flagList(values, "command");
    const keys = flagList(values, "keys");
    const prefixes = flagList(values, "key-prefix");
    if (!commands && !keys && !prefixes) return null;
    const wanted = commands && new Set(commands.map((c) => c.toLowerCase()));
    const keySet = keys && new Set(keys);
    return (req) => {
      const q = req as McRequest | null;
      if (!q || typeof q.command !== "string" || !Array.isArray(q.keys)) return false;
      if (wanted && !wanted.has(q.command.toLowerCase())) return false;
      if (keySet && !q.keys.some((k) => keySet.has(k))) return false;
      if (prefixes && !q.keys.some((k) => prefixes.some((p) => k.startsWith(p)))) return false;
      return true;
    };
  },
};
