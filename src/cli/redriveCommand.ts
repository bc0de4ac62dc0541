/** `cloudtrail-opensearch redrive`: re-send dead-lettered records once their cause is fixed. */
import { Command, Option } from 'commander';
import type { DeadLetterTarget } from '../config.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../pipeline/indexer.js';
import { redrive } from '../deadletter/redrive.js';
import { s3Client } from '../source/s3.js';
import { checkEndpoint, connect } from './connection.js';
import { EXIT, EXIT_CODES_HELP, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { addConnectionOptions, deadLetterTarget, requireOptions, type ConnectionFlags } from './options.js';

interface RedriveFlags extends ConnectionFlags {
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
      invocation.exitCode = await runRedrive(flags, invocation);
    });
  return command;
}

async function runRedrive(flags: RedriveFlags, invocation: Invocation): Promise<ExitCode> {
  const connected = connect(flags, invocation);
  const s3 =
    flags.from.kind === 's3'
      ? s3Client({
          region: flags.region,
          endpoint: flags.s3Endpoint ?? process.env.S3_ENDPOINT,
          requestTimeoutMs: flags.requestTimeout,
        })
      : undefined;
  try {
    await checkEndpoint(connected, invocation);
    const result = await redrive({
      client: connected.client,
      s3,
      from: flags.from,
      indexPrefix: connected.indexPrefix,
      deleteAfter: flags.deleteAfter,
      settings: { ...DEFAULT_PIPELINE_SETTINGS, requestTimeoutMs: flags.requestTimeout },
    });
    const lines = [
      `dead letters:    ${result.entries}`,
      `indexed:         ${result.indexed}`,
      `duplicates:      ${result.duplicates} (already indexed)`,
      `still failing:   ${result.stillFailing}`,
      `undelivered:     ${result.undelivered}${result.undelivered ? ' (run again)' : ''}`,
      `not re-drivable: ${result.notRedrivable}`,
      `deleted:         ${result.deleted}${flags.deleteAfter ? '' : ' (use --delete-after to remove re-driven entries)'}`,
      ...result.problems.map((text) => `problem: ${text}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    if (result.undelivered > 0) return EXIT.undelivered;
    return result.stillFailing + result.notRedrivable > 0 ? EXIT.deadLettered : EXIT.ok;
  } finally {
    await connected.client.close();
    s3?.destroy();
  }
}
