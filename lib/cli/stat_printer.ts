/**
 * `stat` output on the main thread: merges the workers' aggregates and
 * renders a table or a JSON document per interval, or once at the end.
 *
 * @module
 */
import { parseGroupBy, renderStat, StatAggregator, type StatSnapshot } from "../stat/mod.ts";
import type { OutputWriter } from "../render/output.ts";
import type { StatOptions } from "./args.ts";

const CLEAR_SCREEN = "\x1b[2J\x1b[H";

/** Renders merged stat snapshots. */
export class StatPrinter {
  readonly #main = new StatAggregator();
  readonly #columns: string[];
  readonly #options: StatOptions;
  readonly #format: "table" | "json";
  readonly #out: OutputWriter;
  readonly #redraw: boolean;
  /** Records aggregated so far (after filters). */
  records = 0;

  constructor(options: StatOptions, format: "table" | "json", out: OutputWriter, isTerminal: boolean) {
    this.#options = options;
    this.#columns = parseGroupBy(options.groupBy).columns;
    this.#format = format;
    this.#out = out;
    this.#redraw = isTerminal && format === "table";
  }

  /** Adds the workers' aggregates. */
  merge(snapshots: StatSnapshot[]): void {
    for (const s of snapshots) {
      this.#main.merge(s);
      for (const g of s.groups) this.records += g.count;
    }
  }

  /**
   * Prints what was merged since the last print. `seconds` is the time the
   * rates are over (an interval, or the whole run); null derives it from
   * the records' own timestamps (replay).
   */
  print(seconds: number | null): void {
    const text = renderStat(this.#main.groups(), this.#columns, {
      format: this.#format,
      sort: this.#options.sort,
      top: this.#options.top ?? undefined,
      ...(seconds === null ? {} : { durationSeconds: seconds }),
    });
    this.#main.reset();
    if (this.#format === "json") {
      this.#out.write(text.endsWith("\n") ? text : `${text}\n`);
      return;
    }
    const stamp = new Date().toISOString().slice(11, 19);
    this.#out.write(this.#redraw ? `${CLEAR_SCREEN}${text}` : `${stamp}\n${text}\n`);
  }
}
