/** What `alerts test` and `alerts send-test` do once their options are parsed (loaded only when one runs). */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { alertsConfigOf, buildAlerts, loadRules } from '../alerts/settings.js';
import { RuleSet } from '../alerts/match.js';
import { openS3Object, s3Client } from '../source/s3.js';
import type { FileTarget } from '../pipeline/runner.js';
import { targetName } from '../pipeline/runner.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { UsageError } from './options.js';
import { checkTargets, fileTargets } from './targets.js';

/** Bound on one log file's decompressed size (CloudTrail's are far smaller). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

export async function runTest(
  paths: string[],
  flags: { rules?: string; region?: string; s3Endpoint?: string },
): Promise<ExitCode> {
  await checkTargets(paths);
  let rules;
  try {
    rules = await loadRules(flags.rules);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const ruleSet = new RuleSet(rules);
  const needsS3 = paths.some((path) => path.startsWith('s3://'));
  const s3 = needsS3
    ? s3Client({ region: flags.region, endpoint: flags.s3Endpoint ?? process.env.S3_ENDPOINT })
    : undefined;
  const perRule = new Map<string, number>(rules.map((rule) => [rule.id, 0]));
  let events = 0;
  try {
    const ignore = () => undefined;
    const targets = fileTargets(
      paths,
      s3,
      { includeInsights: false },
      { found: ignore, skipped: ignore, listed: ignore },
    );
    for await (const target of targets) {
      const records = await readRecords(target, s3);
      records.forEach((record, index) => {
        events++;
        if (typeof record !== 'object' || record === null) return;
        if (!ruleSet.isCandidate(Buffer.from(JSON.stringify(record)))) return;
        for (const rule of ruleSet.matches(record as Record<string, unknown>)) {
          perRule.set(rule.id, (perRule.get(rule.id) ?? 0) + 1);
          const { eventID, eventName } = record as { eventID?: unknown; eventName?: unknown };
          process.stdout.write(
            `${rule.id}\t${String(eventID ?? '-')}\t${String(eventName ?? '-')}\t${targetName(target)}#${index}\n`,
          );
        }
      });
    }
  } finally {
    s3?.destroy();
  }
  const matched = [...perRule.values()].reduce((sum, n) => sum + n, 0);
  process.stdout.write(`\n${events} events read, ${matched} matches\n`);
  for (const [id, count] of perRule) if (count > 0) process.stdout.write(`  ${id}: ${count}\n`);
  return EXIT.ok;
}

async function readRecords(target: FileTarget, s3: S3Client | undefined): Promise<unknown[]> {
  const name = targetName(target);
  let bytes: Buffer;
  if (target.kind === 'local') {
    bytes = await readFile(target.path);
  } else {
    const { stream } = await openS3Object(s3!, target.ref);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > MAX_FILE_BYTES) throw new Error(`${name}: larger than ${MAX_FILE_BYTES} bytes`);
      chunks.push(chunk);
    }
    bytes = Buffer.concat(chunks);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes, { maxOutputLength: MAX_FILE_BYTES });
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new Error(`${name}: not a CloudTrail log file (JSON: ${(error as Error).message})`, {
      cause: error,
    });
  }
  const records = (document as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) throw new Error(`${name}: not a CloudTrail log file (no "Records" list)`);
  return records;
}

export async function runSendTest(flags: { region?: string }): Promise<ExitCode> {
  let alerts;
  try {
    const config = alertsConfigOf(process.env);
    if (!config) throw new Error('set ALERT_SLACK_WEBHOOK_SECRET or ALERT_SNS_TOPIC_ARN (or both)');
    alerts = await buildAlerts(config, { region: flags.region ?? process.env.AWS_REGION, indexPrefix: '' });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const sentTo = await alerts.delivery.sendTest({
    requestTimeoutMs: 10_000,
    remainingTimeMs: () => Infinity,
  });
  process.stdout.write(`test alert sent to ${sentTo.join(' and ')}\n`);
  return EXIT.ok;
}
