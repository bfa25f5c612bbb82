/**
 * HTTP command-line filters: `--method`, `--path`, `--path-prefix`,
 * `--path-regex`, `--host`, `--status`. Flags combine with AND, the items
 * of one flag's list with OR.
 *
 * @module
 */
import { compileRegex, type FilterSpec, listValues } from "../common/filter.ts";
import type { HttpRequest, HttpResponse } from "./types.ts";

function list(values: Readonly<Record<string, readonly string[]>>, flag: string): string[] | null {
  const raw = values[flag];
  if (raw === undefined) return null;
  const out = listValues(raw);
  if (out.length === 0) throw new RangeError(`Invalid value for --${flag}: '${raw.join(",")}' names nothing`);
  return out;
}

/** `--status` items: 404, 5xx, 400-499. Returns [low, high] ranges. */
export function parseStatusRanges(items: string[]): [number, number][] {
  return items.map((item) => {
    let m = /^([1-5])xx$/i.exec(item);
    if (m) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
    m = /^(\d{3})(?:-(\d{3}))?$/.exec(item);
    if (m && Number(m[1]) >= 100 && Number(m[2] ?? m[1]) <= 599 && Number(m[1]) <= Number(m[2] ?? m[1])) {
      return [Number(m[1]), Number(m[2] ?? m[1])];
    }
    throw new RangeError(`Invalid value for --status: '${item}' (use a code like 404, a class like 5xx, or 400-499)`);
  });
}

/** The HTTP {@linkcode FilterSpec}. */
export const filters: FilterSpec = {
  flags: {
    method: "keep these methods (comma list, any case)",
    path: "keep requests whose path, without the query, is one of these (comma list)",
    "path-prefix": "keep requests whose path starts with one of these (comma list)",
    "path-regex": "keep requests whose path and query match this regular expression",
    host: "keep requests whose Host header is one of these (comma list, port optional)",
    status: "keep responses with these statuses: 404, 5xx, 400-499 (comma list)",
  },

  build(values) {
    const methods = list(values, "method")?.map((m) => m.toUpperCase());
    const paths = list(values, "path");
    const prefixes = list(values, "path-prefix");
    const regexes = values["path-regex"]?.map((r) => compileRegex("path-regex", r));
    const hosts = list(values, "host")?.map((h) => h.toLowerCase());
    const statuses = values.status === undefined ? null : parseStatusRanges(list(values, "status")!);
    if (!methods && !paths && !prefixes && !regexes && !hosts && !statuses) return null;
    return (req, resp) => {
      const q = req as HttpRequest | null;
      if (!q || typeof q.path !== "string") return false;
      if (methods && !methods.includes(q.method)) return false;
      const bare = q.path.split("?", 1)[0]!;
      if (paths && !paths.includes(bare)) return false;
      if (prefixes && !prefixes.some((p) => bare.startsWith(p))) return false;
      if (regexes && !regexes.some((r) => r.test(q.path))) return false;
      if (hosts) {
        const host = q.host.toLowerCase();
        if (!hosts.some((h) => host === h || host.replace(/:\d+$/, "") === h)) return false;
      }
      if (statuses) {
        const r = resp as HttpResponse | null;
        if (!r || !statuses.some(([lo, hi]) => r.status >= lo && r.status <= hi)) return false;
      }
      return true;
    };
  },
};
