/**
 * The one error type the CLI reports to the user: a one-line message and the
 * exit code that goes with it (2 for usage errors, 1 for everything else).
 *
 * @module
 */

/** An error shown as one line on stderr, ending the tool with `exitCode`. */
export class CliError extends Error {
  /** Process exit code. */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** A usage error: bad flag or value. Exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(`${message} (see 'l7trace --help')`, 2);
}
