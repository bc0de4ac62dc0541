/**
 * The state of one run of the command line: which command runs, the exit code it settles on, and
 * what error messages should name (the endpoint and auth mode once they are known). One instance per
 * `runCli` call; commands receive it when they are built.
 */
import type { ErrorContext } from '../opensearch/errors.js';
import { EXIT, type ExitCode } from './exitCodes.js';

export class Invocation {
  /** The command being run (for the `cloudtrail-opensearch <command>:` prefix of error lines). */
  commandName: string | undefined;
  exitCode: ExitCode = EXIT.ok;
  /** Without settings, messages name the CLI's options (errors.ts's default). */
  errorContext: ErrorContext = {};

  /** Writes one line to stderr, prefixed with the program and command name. */
  reportError(message: string): void {
    const who = this.commandName ? `cloudtrail-opensearch ${this.commandName}` : 'cloudtrail-opensearch';
    process.stderr.write(`${who}: ${message}\n`);
  }
}
