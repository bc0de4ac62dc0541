/** What `cloudtrail-opensearch redrive` does once its options are parsed (loaded only when it runs). */
import { redrive } from '../deadletter/redrive.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../pipeline/indexer.js';
import { s3Client } from '../source/s3.js';
import { checkEndpoint, connect } from './connection.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import type { RedriveFlags } from './redriveCommand.js';

export async function runRedrive(flags: RedriveFlags, invocation: Invocation): Promise<ExitCode> {
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
