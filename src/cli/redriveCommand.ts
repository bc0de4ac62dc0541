/** `cloudtrail-opensearch redrive --endpoint URL --from index:NAME|s3://bucket/prefix [--delete-after]` */
import { redrive, type RedriveFrom } from '../deadletter/redrive.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../pipeline/indexer.js';
import { parseS3Url, s3Client } from '../source/s3.js';
import { parse, requiredString, UsageError } from './args.js';
import { connect, connectionFlags, indexPrefixFlag } from './connection.js';

export const REDRIVE_USAGE = `usage: cloudtrail-opensearch redrive --endpoint URL --from index:NAME|s3://bucket/prefix
  [--delete-after] [--index-prefix cloudtrail-] [--auth none|basic|sigv4] [--region R] [--s3-endpoint URL]
  [--request-timeout 30000]
  Sends every dead-lettered document again (create: one already there counts as done). Run it after fixing
  the cause. Entries are removed only with --delete-after, and only those now indexed.`;

export async function redriveCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...connectionFlags,
    from: { type: 'string' },
    'delete-after': { type: 'boolean' },
    's3-endpoint': { type: 'string' },
  });
  const from = parseFrom(requiredString(values, 'from', 'index:NAME or s3://bucket/prefix'));
  const { client, requestTimeoutMs } = connect(values);
  const s3 =
    from.kind === 's3'
      ? s3Client({
          region: values.region,
          endpoint: values['s3-endpoint'] ?? process.env.S3_ENDPOINT,
          requestTimeoutMs,
        })
      : undefined;
  try {
    const result = await redrive({
      client,
      s3,
      from,
      indexPrefix: indexPrefixFlag(values),
      deleteAfter: values['delete-after'] ?? false,
      settings: { ...DEFAULT_PIPELINE_SETTINGS, requestTimeoutMs },
    });
    const lines = [
      `dead letters:    ${result.entries}`,
      `indexed:         ${result.indexed}`,
      `duplicates:      ${result.duplicates} (already indexed)`,
      `still failing:   ${result.stillFailing}`,
      `undelivered:     ${result.undelivered}${result.undelivered ? ' (run again)' : ''}`,
      `not re-drivable: ${result.notRedrivable}`,
      `deleted:         ${result.deleted}${values['delete-after'] ? '' : ' (use --delete-after to remove re-driven entries)'}`,
      ...result.problems.map((text) => `problem: ${text}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return result.stillFailing + result.undelivered + result.notRedrivable > 0 ? 1 : 0;
  } finally {
    await client.close();
    s3?.destroy();
  }
}

function parseFrom(value: string): RedriveFrom {
  if (value.startsWith('index:') && value.length > 6) return { kind: 'index', index: value.slice(6) };
  const s3 = parseS3Url(value);
  if (s3) return { kind: 's3', bucket: s3.bucket, prefix: s3.prefix };
  throw new UsageError(`--from ${value}: expected index:NAME or s3://bucket/prefix\n${REDRIVE_USAGE}`);
}
