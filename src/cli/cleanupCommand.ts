/** `cloudtrail-opensearch cleanup`: retention by calendar day, on the cleanup module the Lambda runs. */
import { Command, Option } from 'commander';
import { EXIT_CODES_HELP } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { addConnectionOptions, requireOptions, wholeNumber, type ConnectionFlags } from './options.js';

export interface CleanupFlags extends ConnectionFlags {
  keepDays: number;
  maxDeletions: number;
  dryRun: boolean;
  protect: string[];
  preCreateTomorrow: boolean;
}

export function cleanupCommand(invocation: Invocation): Command {
  const command = new Command('cleanup')
    .summary('delete daily indices older than --keep-days')
    .description(
      'Keep --keep-days calendar days of daily indices (counting today, UTC) and delete the older ones. ' +
        'Only names that are exactly PREFIX + a valid YYYY-MM-DD date are ever candidates; today and ' +
        'future days are never deleted (see docs/cleanup.md).',
    );
  addConnectionOptions(command);
  requireOptions(
    command,
    new Option('--keep-days <days>', 'calendar days to keep, counting today (UTC)').argParser(
      wholeNumber(1, 36_500),
    ),
  )
    .addOption(
      new Option('--max-deletions <n>', 'most indices deleted in one run (the oldest first)')
        .argParser(wholeNumber(1))
        .default(30),
    )
    .addOption(new Option('--dry-run', 'list what would be deleted, delete nothing').default(false))
    .addOption(
      new Option('--protect <index>', 'an index never to delete (repeat for more)')
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([], 'none'),
    )
    .addOption(
      new Option(
        '--pre-create-tomorrow',
        "create tomorrow's index (UTC) in advance, as the cleanup Lambda does",
      ).default(false),
    )
    .addHelpText(
      'after',
      `
Example:
  cloudtrail-opensearch cleanup --endpoint http://127.0.0.1:9200 --keep-days 90 --dry-run

${EXIT_CODES_HELP}`,
    )
    .action(async (flags: CleanupFlags) => {
      const { runCleanupCommand } = await import('./cleanupAction.js');
      invocation.exitCode = await runCleanupCommand(flags, invocation);
    });
  return command;
}
