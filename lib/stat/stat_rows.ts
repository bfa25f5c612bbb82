/**
 * `l7trace stat` rows: one per aggregated group, with latency percentiles
 * and a rate, sorted by `--sort` and cut to `--top`. Formatting is in
 * {@linkcode ./render.ts}.
 *
 * `rate` is requests per second over `intervalSeconds`, else
 * `durationSeconds`, else the span from the first to the last record seen
 * (null when that span is zero). Latencies are in ms, null for a group
 * without any answered request. Byte columns are totals.
 *
 * @module
 */
import type { GroupStats } from "./aggregator.ts";
import { splitKey } from "./group_key.ts";

/** Value columns, in table order; every one is a valid `--sort`. */
export const VALUE_COLUMNS = [
  "count",
  "errors",
  "no_resp",
  "rate",
  "min",
  "avg",
  "p50",
  "p90",
  "p99",
  "max",
  "req_bytes",
  "resp_bytes",
] as const;

/** The latency columns, in table order. */
export const LATENCY = ["min", "avg", "p50", "p90", "p99", "max"] as const;

/** Key columns whose values are integers, printed as JSON numbers. */
export const NUMERIC_KEYS = new Set([
  "remote_port",
  "local_port",
  "pid",
  "http_status",
]);

/** Latency of a group in ms; null when nothing was answered. */
export type Latency = Record<typeof LATENCY[number], number | null>;

/** One output row. */
export interface StatRow {
  /** Values of the group-by columns, in column order. */
  key: string[];
  count: number;
  errors: number;
  no_response: number;
  /** Requests per second, null when no time span is known. */
  rate: number | null;
  latency_ms: Latency;
  req_bytes: number;
  resp_bytes: number;
}

/** Options of {@linkcode statRows}. */
export interface RenderOptions {
  /** Column to sort by (default `count`); see {@linkcode checkSort}. */
  sort?: string;
  /** Keep only the first N rows after sorting. */
  top?: number;
  /** Interval mode: seconds per interval, for the rate. */
  intervalSeconds?: number;
  /** Whole-run mode: seconds traced, for the rate. */
  durationSeconds?: number;
}

/** Every valid `--sort` name for these key columns. */
export function sortColumns(keyColumns: readonly string[]): string[] {
  return [...keyColumns, ...VALUE_COLUMNS];
}

/**
 * The canonical column for a `--sort` value (case-insensitive, `-` for
 * `_`, `no_response` for `no_resp`). Throws a RangeError naming the flag
 * and the valid names.
 */
export function checkSort(sort: string, keyColumns: readonly string[]): string {
  let name = sort.trim().toLowerCase().replaceAll("-", "_");
  if (name === "no_response") name = "no_resp";
  const valid = sortColumns(keyColumns);
  if (!valid.includes(name)) {
    throw new RangeError(
      `Invalid value for --sort: '${sort}' (use one of ${valid.join(", ")})`,
    );
  }
  return name;
}

/** Seconds the rate is computed over, or null when unknown. */
export function rateSeconds(
  groups: Iterable<GroupStats>,
  options: RenderOptions,
): number | null {
  const given = options.intervalSeconds ?? options.durationSeconds;
  if (given !== undefined) return given > 0 ? given : null;
  let first = "";
  let last = "";
  for (const g of groups) {
    if (first === "" || g.first_ts < first) first = g.first_ts;
    if (g.last_ts > last) last = g.last_ts;
  }
  const span = (tsMicros(last) - tsMicros(first)) / 1e6;
  return span > 0 ? span : null;
}

/** Microseconds since the epoch of an `L7Record.ts` (ISO-8601, µs). */
function tsMicros(ts: string): number {
  const ms = Date.parse(ts);
  if (Number.isNaN(ms)) return NaN;
  const frac = /\.(\d+)Z$/.exec(ts)?.[1] ?? "";
  return ms * 1000 + Number(frac.padEnd(6, "0").slice(3, 6));
}

/** Rows for the groups, sorted by `options.sort` and cut to `options.top`. */
export function statRows(
  groups: Iterable<GroupStats>,
  keyColumns: readonly string[],
  options: RenderOptions = {},
): StatRow[] {
  const list = [...groups];
  const sort = checkSort(options.sort ?? "count", keyColumns);
  const seconds = rateSeconds(list, options);
  const rows = list.map((g): StatRow => {
    const h = g.latency;
    const [p50, p90, p99] = h.percentiles([50, 90, 99]).map(orNull);
    return {
      key: splitKey(g.key, keyColumns.length),
      count: g.count,
      errors: g.errors,
      no_response: g.no_response,
      rate: seconds === null ? null : g.count / seconds,
      latency_ms: {
        min: orNull(h.min),
        avg: orNull(h.mean),
        p50: p50!,
        p90: p90!,
        p99: p99!,
        max: orNull(h.max),
      },
      req_bytes: g.req_bytes,
      resp_bytes: g.resp_bytes,
    };
  });
  const value = valueOf(sort, keyColumns);
  const keyIndex = keyColumns.indexOf(sort);
  rows.sort((a, b) => {
    if (keyIndex >= 0) {
      const c = compareKeys(a.key[keyIndex]!, b.key[keyIndex]!);
      if (c !== 0) return c;
    } else {
      const c = compareDesc(value(a), value(b));
      if (c !== 0) return c;
    }
    // Ties: busiest first, then by key, so output is deterministic.
    return b.count - a.count || compareKeys(a.key.join("\0"), b.key.join("\0"));
  });
  const top = options.top;
  return top !== undefined && top >= 0 ? rows.slice(0, top) : rows;
}

function orNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

function valueOf(
  column: string,
  keyColumns: readonly string[],
): (r: StatRow) => number | null {
  if (keyColumns.includes(column)) return () => 0;
  switch (column) {
    case "count":
    case "errors":
    case "req_bytes":
    case "resp_bytes":
    case "rate":
      return (r) => r[column];
    case "no_resp":
      return (r) => r.no_response;
    default:
      return (r) => r.latency_ms[column as keyof Latency];
  }
}

/** Descending, nulls last. */
function compareDesc(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return b - a;
}

/** Ascending; integers compare as numbers and before text. */
function compareKeys(a: string, b: string): number {
  const na = /^-?\d+$/.test(a) ? Number(a) : NaN;
  const nb = /^-?\d+$/.test(b) ? Number(b) : NaN;
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  if (!Number.isNaN(na)) return -1;
  if (!Number.isNaN(nb)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
