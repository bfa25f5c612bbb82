/**
 * `l7trace stat`: per-group request statistics (count, errors, no
 * response, rate, latency percentiles, bytes). Pure modules, no I/O.
 *
 * Wiring: the key function cannot cross threads, so each worker parses
 * `--group-by` itself, aggregates its records, and posts plain snapshots;
 * the main thread merges them and renders.
 *
 * @example
 * ```ts
 * import { parseGroupBy, renderStat, StatAggregator } from "./mod.ts";
 *
 * // CLI, before starting anything: both throw RangeError on bad input.
 * const spec = parseGroupBy("remote-ip,http-path");
 * // checkSort("p99", spec.columns);
 *
 * // Each worker, per record and per interval tick:
 * const worker = new StatAggregator(spec.key);
 * // worker.add(record);
 * const snapshot = worker.drain(); // postMessage(snapshot)
 *
 * // Main thread, once every worker's snapshot for the interval arrived:
 * const main = new StatAggregator();
 * main.merge(snapshot);
 * const text = renderStat(main.groups(), spec.columns, {
 *   format: "table",
 *   sort: "p99",
 *   top: 20,
 *   intervalSeconds: 1,
 * });
 * main.reset();
 * ```
 *
 * @module
 */
export {
  type AggregatorOptions,
  DEFAULT_MAX_GROUPS,
  type GroupSnapshot,
  type GroupStats,
  isErrorRecord,
  OTHER_KEY,
  StatAggregator,
  type StatSnapshot,
} from "./aggregator.ts";
export { GROUP_BY_CHOICES, type GroupBy, type GroupKeySpec, parseGroupBy, splitKey } from "./group_key.ts";
export { Histogram, type HistogramJSON } from "./histogram.ts";
export { templatePath } from "./path_template.ts";
export { normalizeSql, type SqlDialect } from "./sql_normalize.ts";
export {
  checkSort,
  formatSignificant,
  formatTable,
  type RenderOptions,
  renderStat,
  type StatDocument,
  statDocument,
  type StatRow,
  statRows,
  VALUE_COLUMNS,
} from "./render.ts";
