/**
 * A protocol's own command-line filters (`--command GET` for Redis,
 * `--path-prefix /api` for HTTP). They run in the workers on finished
 * exchanges, before anything is rendered or aggregated.
 *
 * @module
 */

/** Keeps (true) or drops (false) one exchange. */
export type ExchangePredicate = (req: unknown, resp: unknown) => boolean;

/** The filters a protocol adds to the command line. */
export interface FilterSpec {
  /**
   * Flag names (without `--`) and their one-line help. Every flag takes a
   * string value and may be given more than once; a value may also hold a
   * comma-separated list where the help says so.
   */
  readonly flags: Readonly<Record<string, string>>;
  /**
   * A predicate for the flag values given (only flags that were given are
   * present), or null when none was given. Throws a RangeError whose
   * message names the flag and the bad value (`Invalid value for
   * --status: '7xx'`) when a value is unusable; the CLI turns it into a
   * usage error.
   */
  build(
    values: Readonly<Record<string, readonly string[]>>,
  ): ExchangePredicate | null;
}

/** Splits repeated and comma-separated flag values into one list. */
export function listValues(values: readonly string[] | undefined): string[] {
  if (!values) return [];
  return values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v.length > 0);
}

/** Compiles a user-supplied regular expression, or throws a RangeError naming the flag. */
export function compileRegex(flag: string, source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new RangeError(
      `Invalid value for --${flag}: '${source}' is not a regular expression (${why})`,
    );
  }
}
