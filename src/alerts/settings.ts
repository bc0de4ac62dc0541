/**
 * Alerts' configuration (Lambda environment, or the CLI's environment and options) and building the
 * extension from it: rules loaded and checked (a bad file fails here, naming rule and field), the
 * destinations made. Alerts are on when at least one destination is configured.
 */
import { readFile, stat } from 'node:fs/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { alertsIndexName } from '../template/alertsIndex.js';
import { AlertDelivery, type Destinations } from './delivery.js';
import { defaultRules } from './defaultPack.js';
import { AlertsExtension } from './extension.js';
import { RuleSet } from './match.js';
import { parseRules, RulesError, type Rule } from './rules.js';
import { SnsTopic } from './sns.js';
import { AlertStore } from './store.js';
import { DEFAULT_WEBHOOK_SETTINGS, SlackWebhook, type WebhookSettings } from './webhook.js';
import { parseSecretLocation, readWebhookUrl } from './webhookSecret.js';

export interface AlertsConfig {
  /** A local path or `s3://bucket/key`; undefined: the built-in pack. */
  rules?: string;
  slackSecret?: string;
  snsTopicArn?: string;
  /** Messages per invocation before the rest go into one summary. */
  maxMessages: number;
}

export const DEFAULT_MAX_MESSAGES = 20;
/** The most ALERT_MAX_MESSAGES may be; the stack's AlertMaxMessages parameter allows no more. */
export const MAX_MESSAGES_CEILING = 1000;
/** A rules file is a few KB; this bounds what a wrong location can make us read. */
const MAX_RULES_BYTES = 1024 * 1024;

/** The alerts configuration in `env`, or undefined when no destination is set (alerts off). */
export function alertsConfigOf(env: Record<string, string | undefined>): AlertsConfig | undefined {
  const slackSecret = env.ALERT_SLACK_WEBHOOK_SECRET || undefined;
  const snsTopicArn = env.ALERT_SNS_TOPIC_ARN || undefined;
  if (slackSecret) {
    const location = parseSecretLocation(slackSecret);
    if (typeof location === 'string') throw new Error(`ALERT_SLACK_WEBHOOK_SECRET: ${location}`);
  }
  if (snsTopicArn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/.test(snsTopicArn)) {
    throw new Error('ALERT_SNS_TOPIC_ARN: expected an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)');
  }
  const maxText = env.ALERT_MAX_MESSAGES;
  const maxMessages = maxText === undefined || maxText === '' ? DEFAULT_MAX_MESSAGES : Number(maxText);
  if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > MAX_MESSAGES_CEILING) {
    throw new Error(
      `ALERT_MAX_MESSAGES: expected a whole number from 1 to ${MAX_MESSAGES_CEILING}, got "${maxText}"`,
    );
  }
  if (!slackSecret && !snsTopicArn) return undefined;
  return { rules: env.ALERT_RULES || undefined, slackSecret, snsTopicArn, maxMessages };
}

/** The rules at `location` (a path or `s3://bucket/key`), or the built-in pack. */
export async function loadRules(location: string | undefined, s3?: () => S3Client): Promise<Rule[]> {
  if (location === undefined) return defaultRules();
  return parseRules(await readRulesText(location, s3), location);
}

async function readRulesText(location: string, s3?: () => S3Client): Promise<string> {
  const s3Match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!s3Match) {
    const size = await stat(location).then(
      (info) => info.size,
      (error: NodeJS.ErrnoException) => {
        throw new RulesError(`${location}: cannot read the rules file (${error.code ?? error.message})`);
      },
    );
    if (size > MAX_RULES_BYTES)
      throw new RulesError(`${location}: ${size} bytes, more than a rules file can be (1 MiB)`);
    return readFile(location, 'utf8');
  }
  if (!s3) throw new RulesError(`${location}: an S3 rules file needs S3 access`);
  try {
    const answer = await s3().send(new GetObjectCommand({ Bucket: s3Match[1], Key: s3Match[2] }));
    if ((answer.ContentLength ?? 0) > MAX_RULES_BYTES)
      throw new Error(`${answer.ContentLength} bytes, more than 1 MiB`);
    return (await answer.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    throw new RulesError(`${location}: cannot read the rules file: ${(error as Error).message}`);
  }
}

export interface AlertsBuildOptions {
  region?: string;
  indexPrefix: string;
  s3?: () => S3Client;
  webhook?: WebhookSettings;
}

/** The alerts extension for `config`: rules loaded and checked, destinations made (the webhook URL lazily). */
export async function buildAlerts(
  config: AlertsConfig,
  options: AlertsBuildOptions,
): Promise<AlertsExtension> {
  const rules = await loadRules(config.rules, options.s3);
  const destinations: Destinations = {};
  if (config.slackSecret) {
    const location = parseSecretLocation(config.slackSecret);
    if (typeof location === 'string') throw new Error(`ALERT_SLACK_WEBHOOK_SECRET: ${location}`);
    let webhook: Promise<SlackWebhook> | undefined;
    destinations.slack = () => {
      // Read once per container; a failed read is tried again by the next alert.
      webhook ??= readWebhookUrl(location, options.region).then(
        (url) => new SlackWebhook(url, options.webhook ?? DEFAULT_WEBHOOK_SETTINGS),
      );
      return webhook.catch((error: unknown) => {
        webhook = undefined;
        throw error;
      });
    };
  }
  if (config.snsTopicArn) destinations.sns = new SnsTopic(config.snsTopicArn, options.region);
  const indexName = alertsIndexName(options.indexPrefix);
  return new AlertsExtension(
    new RuleSet(rules),
    new AlertDelivery(destinations, config.maxMessages, indexName),
    new AlertStore(indexName),
  );
}
