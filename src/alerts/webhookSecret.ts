/**
 * Where the Slack webhook URL is kept: a Secrets Manager secret (`arn:aws:secretsmanager:…` or
 * `secretsmanager:NAME`) or an SSM SecureString parameter (`arn:aws:ssm:…:parameter/…` or
 * `ssm:/NAME`). The value is the URL itself, or JSON with a `url` field. Read once per container (the
 * caller keeps the promise); neither the value nor the URL ever goes into a message or a log.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BoundedAnswerHandler } from '../http/awsAnswer.js';

export type SecretLocation = { kind: 'secretsmanager'; id: string } | { kind: 'ssm'; name: string };

const SDK_TIMEOUT_MS = 10_000;

/** The location named by ALERT_SLACK_WEBHOOK_SECRET; undefined with the problem when it names none. */
export function parseSecretLocation(value: string): SecretLocation | string {
  if (value.startsWith('arn:aws') && value.includes(':secretsmanager:'))
    return { kind: 'secretsmanager', id: value };
  if (value.startsWith('secretsmanager:') && value.length > 15)
    return { kind: 'secretsmanager', id: value.slice(15) };
  if (value.startsWith('arn:aws') && value.includes(':ssm:') && value.includes(':parameter/')) {
    return { kind: 'ssm', name: value };
  }
  if (value.startsWith('ssm:/') && value.length > 5) return { kind: 'ssm', name: value.slice(4) };
  return 'expected a Secrets Manager secret (arn:aws:secretsmanager:… or secretsmanager:NAME) or an SSM parameter (arn:aws:ssm:…:parameter/… or ssm:/NAME)';
}

export async function readWebhookUrl(location: SecretLocation, region: string | undefined): Promise<string> {
  const service = location.kind === 'ssm' ? 'SSM' : 'Secrets Manager';
  const requestHandler = new BoundedAnswerHandler({ service, timeoutMs: SDK_TIMEOUT_MS });
  const common = { region, maxAttempts: 3, requestHandler };
  let value: string | undefined;
  const where = location.kind === 'ssm' ? `SSM parameter ${location.name}` : `secret ${location.id}`;
  try {
    if (location.kind === 'secretsmanager') {
      const client = new SecretsManagerClient(common);
      try {
        value = (await client.send(new GetSecretValueCommand({ SecretId: location.id }))).SecretString;
      } finally {
        client.destroy();
      }
    } else {
      const client = new SSMClient(common);
      try {
        const answer = await client.send(
          new GetParameterCommand({ Name: location.name, WithDecryption: true }),
        );
        value = answer.Parameter?.Value;
      } finally {
        client.destroy();
      }
    }
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    throw new Error(
      `reading the Slack webhook URL from ${where} failed: ${name}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!value) throw new Error(`the ${where} has no text value (expected the Slack webhook URL)`);
  return urlOf(value.trim(), where);
}

function urlOf(value: string, where: string): string {
  if (!value.startsWith('{')) return value;
  try {
    const url = (JSON.parse(value) as { url?: unknown }).url;
    if (typeof url === 'string') return url;
  } catch {
    // fall through to the message below
  }
  throw new Error(`the ${where} holds JSON without a "url" text field`);
}
