/**
 * The `cloudtrail-opensearch` command line: thin commands over the same library the Lambdas use.
 * Parses the arguments, runs the command, and turns whatever went wrong into one line on stderr and
 * an exit code from the documented table (exitCodes.ts).
 */
import { CommanderError } from 'commander';
import { EXIT } from './exitCodes.js';
import { Invocation } from './invocation.js';
import { UsageError } from './options.js';
import { buildProgram } from './program.js';

export async function runCli(argv: string[]): Promise<number> {
  const invocation = new Invocation();
  const program = buildProgram(invocation);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return invocation.exitCode;
  } catch (error) {
    // Commander has already printed its message (an unknown option, a bad value, help, version).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      invocation.reportError(error.message);
      return EXIT.usage;
    }
    // Loaded only now: `--help` and a usage error never pay for the cluster client behind it.
    const { describeError } = await import('../opensearch/errors.js');
    const described = describeError(error, invocation.errorContext);
    invocation.reportError(described.message);
    return described.fixedBy === 'configuration' ? EXIT.usage : EXIT.undelivered;
  }
}
