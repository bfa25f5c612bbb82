/**
 * One table line for a memcached exchange: `get user:1 -> 1 hit`,
 * `set k (12 B) -> STORED`, `mg k v q -> (quiet: no response)`.
 *
 * @module
 */

import type { McRequest, McResponse } from "./types.ts";

/** `s` cut to `max` characters with "…", control characters escaped. */
function clip(s: string, max: number): string {
  s = s.length > max ? s.slice(0, max) + "…" : s;
  // deno-lint-ignore no-control-regex
  return /[\x00-\x1f\x7f]/.test(s) ? JSON.stringify(s).slice(1, -1) : s;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : word === "miss" ? "es" : "s"}`;
}

/** The request part: command, first key (and how many more), size of a data block. */
function head(q: McRequest): string {
  let s = q.command;
  if (q.keys.length > 0) {
    s += " " + clip(q.keys[0]!, 40);
    if (q.keys.length > 1) s += ` (+${q.keys.length - 1}${q.keys_truncated ? "…" : ""})`;
  } else if (q.args && q.args.length > 0) s += " " + clip(q.args.join(" "), 40);
  if (q.delta !== undefined) s += ` ${q.delta}`;
  if (q.value_size !== undefined) s += ` (${q.value_size} B)`;
  if (q.meta_flags) s += " " + clip(q.meta_flags, 30);
  return s;
}

/** The response part of a table line. */
function describe(q: McRequest | null, r: McResponse): string {
  if (r.opcode !== undefined) return describeBinary(r);
  switch (r.status) {
    case "VALUE":
    case "END": {
      if (!r.values) return r.status;
      const hits = r.values.length;
      const keys = q?.keys.length ?? 0;
      const misses = q && !q.keys_truncated && !r.values_truncated && keys > hits ? keys - hits : 0;
      if (hits === 0) return keys > 1 ? plural(keys, "miss") : "miss";
      return misses > 0 ? `${plural(hits, "hit")}, ${plural(misses, "miss")}` : plural(hits, "hit");
    }
    case "NUMBER":
      return String(r.number);
    case "VERSION":
      return `VERSION ${r.version ?? ""}`.trim();
    case "STAT":
      return plural(r.stat_count ?? 0, "stat");
    case "VA":
      return `VA ${r.value_size} B${r.meta_flags ? " " + clip(r.meta_flags, 30) : ""}`;
    case "EN":
      return "EN (miss)";
    default:
      return r.error !== undefined
        ? `${r.status} ${clip(r.error, 60)}`
        : r.meta_flags
        ? `${r.status} ${clip(r.meta_flags, 30)}`
        : r.status;
  }
}

/** The response part for the binary protocol: what an OK carries, else the status. */
function describeBinary(r: McResponse): string {
  if (r.status !== "OK") return r.error ? `${r.status} ${clip(r.error, 60)}` : r.status;
  if (r.number !== undefined) return String(r.number);
  if (r.version !== undefined) return `VERSION ${r.version}`;
  if (r.stats) return plural(r.stat_count ?? 0, "stat");
  if (r.value !== undefined) return `hit (${r.value_size ?? 0} B)`;
  return "OK";
}

/** One table line for an exchange; without a response, why there is none when known. */
export function summarize(req: unknown, resp: unknown): string {
  const q = req as McRequest | null;
  const r = resp as McResponse | null;
  const left = q ? head(q) : "?";
  if (r) return `${left} -> ${describe(q, r)}`;
  if (q?.noreply) return `${left} -> (noreply)`;
  if (q?.quiet) return `${left} -> (quiet: no response)`;
  return `${left} -> (no response)`;
}
