/** `cloudtrail-opensearch redrive`: re-send dead-lettered records once their cause is fixed. */
import { Command, Option } from 'commander';
import type { DeadLetterTarget } from '../config.js';
import { EXIT_CODES_HELP } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { addConnectionOptions, deadLetterTarget, requireOptions, type ConnectionFlags } from './options.js';

export interface RedriveFlags extends ConnectionFlags {
  from: DeadLetterTarget;
  deleteAfter: boolean;
  s3Endpoint?: string;
}

export function redriveCommand(invocation: Invocation): Command {
  const command = new Command('redrive')
    .summary('re-send dead-lettered records after fixing their cause')
    .description(
      'Send every dead-lettered record again (create: one already indexed counts as done). Run it after ' +
        'fixing the cause. Entries are removed only with --delete-after, and only those now indexed.',
    );
  addConnectionOptions(command);
  requireOptions(
    command,
    new Option('--from <source>', 'the dead letter to read: index:NAME or s3://bucket/prefix').argParser(
      deadLetterTarget,
    ),
  )
    .addOption(new Option('--delete-after', 'remove the entries that are now indexed').default(false))
    .addOption(
      new Option(
        '--s3-endpoint <url>',
        'an S3-compatible endpoint instead of AWS S3, path-style (default: $S3_ENDPOINT, else AWS S3)',
      ),
    )
    .addHelpText(
      'after',
      `
Example:
  cloudtrail-opensearch redrive --endpoint http://127.0.0.1:9200 --from index:cloudtrail-deadletter

${EXIT_CODES_HELP}`,
    )
    .action(async (flags: RedriveFlags) => {
      const { runRedrive } = await import('./redriveAction.js');
      invocation.exitCode = await runRedrive(flags, invocation);
    });
  return command;
}
