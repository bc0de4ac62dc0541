/**
 * `cloudtrail-opensearch alerts test [--rules FILE] PATH...`: which events of these log files match which
 * rules (for rule authors; nothing is indexed or sent). `alerts send-test`: one sample message to the
 * configured destinations, to check the webhook or topic.
 */
import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { alertsConfigOf, buildAlerts, loadRules } from '../alerts/settings.js';
import { RuleSet } from '../alerts/match.js';
import { openS3Object, s3Client } from '../source/s3.js';
import type { FileTarget } from '../pipeline/runner.js';
import { targetName } from '../pipeline/runner.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { UsageError } from './options.js';
import { checkTargets, fileTargets } from './targets.js';

/** Bound on one log file's decompressed size (CloudTrail's are far smaller). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

export function alertsCommand(invocation: Invocation): Command {
  const command = new Command('alerts').summary('try alert rules on log files, or send a test alert');
  command
    .command('test')
    .summary('print which events in these log files match which rules')
    .argument('<paths...>', 'local files or directories, and s3://bucket/prefix URLs')
    .addOption(new Option('--rules <file>', 'a rules file (YAML or JSON); default: the built-in pack'))
    .addOption(
      new Option('--region <region>', 'AWS region for s3:// paths (default: $AWS_REGION, else us-east-1)'),
    )
    .addOption(new Option('--s3-endpoint <url>', 'an S3-compatible endpoint (default: S3_ENDPOINT)'))
    .addHelpText(
      'after',
      `
Prints one line per match: rule id, eventID, eventName, and the file and record it came from; then
how many events matched each rule. A rules file with a mistake is refused (exit 2) with the rule and
field named.`,
    )
    .action(async (paths: string[], flags: { rules?: string; region?: string; s3Endpoint?: string }) => {
      invocation.exitCode = await runTest(paths, flags);
    });
  command
    .command('send-test')
    .summary('send one sample alert to the configured Slack webhook and SNS topic')
    .addOption(new Option('--region <region>', 'AWS region of the secret and topic (default: $AWS_REGION)'))
    .addHelpText(
      'after',
      `
Reads ALERT_SLACK_WEBHOOK_SECRET (a Secrets Manager secret or SSM SecureString holding the webhook URL)
and ALERT_SNS_TOPIC_ARN, as the indexer does. Exit 0 when every destination took the message.`,
    )
    .action(async (flags: { region?: string }) => {
      invocation.exitCode = await runSendTest(flags);
    });
  return command;
}

async function runTest(
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

async function runSendTest(flags: { region?: string }): Promise<ExitCode> {
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
