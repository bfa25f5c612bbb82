/**
 * `l7trace stat` output: the rows of {@linkcode ./stat_rows.ts} as an
 * aligned text table or a JSON document.
 *
 * The table has a header of upper-cased column names (the `--sort` names),
 * key columns left-aligned and cut to a width, numbers right-aligned,
 * latencies (ms) and rates with 3 significant digits (see
 * {@linkcode formatSignificant}) and `-` where there is no value. JSON
 * prints null there.
 *
 * @module
 */
import type { GroupStats } from "./aggregator.ts";
import {
  LATENCY,
  type Latency,
  NUMERIC_KEYS,
  rateSeconds,
  type RenderOptions,
  sortColumns,
  type StatRow,
  statRows,
} from "./stat_rows.ts";

export {
  checkSort,
  type Latency,
  rateSeconds,
  type RenderOptions,
  sortColumns,
  type StatRow,
  statRows,
  VALUE_COLUMNS,
} from "./stat_rows.ts";

/**
 * A number with 3 significant digits (whole numbers from 1000 up, never an
 * exponent); `-` for null.
 */
export function formatSignificant(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "-";
  const abs = Math.abs(v);
  if (abs >= 999.5) return v.toFixed(0);
  if (abs < 1e-6) return "0";
  return v.toPrecision(3);
}

/**
 * The aligned table: a header of upper-cased column names, key columns
 * left-aligned (cut to `maxKeyWidth` with `…`), numbers right-aligned.
 */
export function formatTable(
  rows: readonly StatRow[],
  keyColumns: readonly string[],
  maxKeyWidth = 60,
): string {
  const header = sortColumns(keyColumns).map((c) => c.toUpperCase());
  const cells = rows.map((r) => [
    ...r.key.map((k) => k.length > maxKeyWidth ? k.slice(0, maxKeyWidth - 1) + "…" : k),
    String(r.count),
    String(r.errors),
    String(r.no_response),
    formatSignificant(r.rate),
    ...LATENCY.map((c) => formatSignificant(r.latency_ms[c])),
    String(r.req_bytes),
    String(r.resp_bytes),
  ]);
  const widths = header.map((h) => h.length);
  for (const row of cells) {
    row.forEach((c, i) => widths[i] = Math.max(widths[i]!, c.length));
  }
  const nKeys = keyColumns.length;
  const line = (row: string[]) =>
    row.map((c, i) => i < nKeys ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))
      .join("  ").trimEnd() + "\n";
  return line(header) + cells.map(line).join("");
}

/** The JSON document of `stat -o json`. */
export interface StatDocument {
  /** Seconds the rates are over; null when unknown. */
  interval_s: number | null;
  groups: {
    /** Column name → value; integers for ports, pid and HTTP status. */
    key: Record<string, string | number>;
    count: number;
    errors: number;
    no_response: number;
    rate: number | null;
    latency_ms: Latency;
    req_bytes: number;
    resp_bytes: number;
  }[];
}

/**
 * The JSON document for rows (stringify it for output). Latencies are
 * rounded to the nanosecond, rates to 0.001/s.
 */
export function statDocument(
  rows: readonly StatRow[],
  keyColumns: readonly string[],
  intervalSeconds: number | null,
): StatDocument {
  return {
    interval_s: intervalSeconds,
    groups: rows.map((r) => {
      const key: Record<string, string | number> = {};
      keyColumns.forEach((c, i) => {
        const v = r.key[i]!;
        key[c] = NUMERIC_KEYS.has(c) && /^\d+$/.test(v) ? Number(v) : v;
      });
      const l = r.latency_ms;
      return {
        key,
        count: r.count,
        errors: r.errors,
        no_response: r.no_response,
        // Rounded so floats print as 0.3, not 0.30000000000000004.
        rate: round(r.rate, 1e3),
        latency_ms: {
          min: round(l.min, 1e6),
          avg: round(l.avg, 1e6),
          p50: round(l.p50, 1e6),
          p90: round(l.p90, 1e6),
          p99: round(l.p99, 1e6),
          max: round(l.max, 1e6),
        },
        req_bytes: r.req_bytes,
        resp_bytes: r.resp_bytes,
      };
    }),
  };
}

function round(v: number | null, scale: number): number | null {
  return v === null ? null : Math.round(v * scale) / scale;
}

/**
 * Everything at once, for the CLI: rows of `groups` per `options`, as the
 * table or as one line of JSON (with a trailing newline).
 */
export function renderStat(
  groups: Iterable<GroupStats>,
  keyColumns: readonly string[],
  options: RenderOptions & { format: "table" | "json" },
): string {
  const list = [...groups];
  const rows = statRows(list, keyColumns, options);
  if (options.format === "table") return formatTable(rows, keyColumns);
  const seconds = rateSeconds(list, options);
  return JSON.stringify(statDocument(rows, keyColumns, seconds)) + "\n";
}
