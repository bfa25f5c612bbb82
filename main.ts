/**
 * l7trace: every application-layer request and response on this host.
 *
 * @module
 */
import { helpText, parseCommandLine } from "./lib/cli/args.ts";
import { CliError } from "./lib/cli/errors.ts";
import { watch } from "./lib/cli/watch.ts";
import { tuneMalloc } from "./lib/cli/malloc_tuning.ts";

/** The version printed by `l7trace --version`. */
export const VERSION = "0.1.0";

async function main(args: string[]): Promise<number> {
  const cmd = parseCommandLine(args, navigator.hardwareConcurrency);
  switch (cmd.command) {
    case "help":
      Deno.stdout.writeSync(new TextEncoder().encode(helpText()));
      return 0;
    case "version":
      Deno.stdout.writeSync(new TextEncoder().encode(`l7trace ${VERSION}\n`));
      return 0;
    case "watch":
      tuneMalloc();
      return await watch(cmd.options);
  }
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `l7trace: ${err instanceof CliError ? err.message : err.stack}\n`,
      ),
    );
    code = err instanceof CliError ? err.exitCode : 1;
  }
  Deno.exit(code);
}
