/**
 * Alerts through the indexer Lambda's handler: files read from s3rver, documents and alert records in
 * the dev server, the webhook URL read from a Secrets Manager or SSM stand-in and Slack messages taken
 * by a local receiver, SNS messages by a local stand-in (all over HTTP through the real SDK clients).
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Context } from 'aws-lambda';
import { handler, resetForTests } from '../../index.js';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';
import { logFile, logKey, matchOf, missOf } from './fixtures/alertFiles.js';
import { AwsStandIns } from './helpers/awsStandIns.js';
import { WebhookReceiver } from './helpers/webhookReceiver.js';

const BUCKET = 'alert-trail';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:slack-webhook-AbCdEf';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:security-alerts';

function context(): Context {
  return {
    getRemainingTimeInMillis: () => 300_000,
    awsRequestId: 'test',
    functionName: 'indexer',
  } as Context;
}

/** What S3 sends for a new object (the key URL-encoded, slashes kept). */
function s3Event(key: string) {
  const object = { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 1000 };
  return {
    Records: [
      { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object } },
    ],
  };
}

interface StoredAlert {
  ruleId: string;
  eventId: string;
  status: string;
  sentTo: string[];
}

describe('alerts through the Lambda handler', function () {
  this.timeout(120_000);
  let server: DevServer;
  let s3: TestS3;
  let slack: WebhookReceiver;
  let aws: AwsStandIns;
  let rulesDir: string;

  // Root activity (1 alert) and an ingress rule open to 0.0.0.0/0 (2 rules), between two quiet events.
  const root = matchOf('cis.root-account-use');
  const openIngress = matchOf('security-group-open-to-world');
  const quiet = [missOf('cis.iam-policy-change'), missOf('cis.s3-bucket-policy-change')];
  const MIXED = logKey('mixed');

  // The handler reads process.env: what these tests set must not reach later tests (or their children).
  const savedEnv = { ...process.env };

  before(async () => {
    server = await startDevServer({ port: 0 });
    s3 = await startS3();
    slack = await WebhookReceiver.start();
    aws = await AwsStandIns.start();
    aws.secrets.set(SECRET_ARN, slack.url);
    aws.parameters.set('/alerts/slack', JSON.stringify({ url: slack.url }));
    await s3.createBucket(BUCKET);
    await s3.put(BUCKET, MIXED, logFile([quiet[0]!, root, openIngress, quiet[1]!]));
    rulesDir = await mkdtemp(join(tmpdir(), 'alert-rules-'));
  });
  after(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    resetForTests();
    await server?.close();
    await s3?.close();
    await slack?.close();
    await aws?.close();
  });
  beforeEach(async () => {
    await fetch(server.url + '/cloudtrail-*', { method: 'DELETE' });
    slack.reset();
    aws.published.length = 0;
    aws.secretReads = 0;
    for (const name of ['ALERT_RULES', 'ALERT_MAX_MESSAGES', 'ALERT_SNS_TOPIC_ARN']) delete process.env[name];
    Object.assign(process.env, {
      OPENSEARCH_ENDPOINT: server.url,
      S3_ENDPOINT: s3.endpoint,
      LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
      ALERT_SLACK_WEBHOOK_SECRET: SECRET_ARN,
      ALERT_SNS_TOPIC_ARN: TOPIC_ARN,
      ...aws.env(),
    });
    resetForTests();
  });
  afterEach(() => {
    for (const name of [
      'ALERT_SLACK_WEBHOOK_SECRET',
      'ALERT_SNS_TOPIC_ARN',
      'ALERT_RULES',
      'ALERT_MAX_MESSAGES',
    ])
      delete process.env[name];
    resetForTests();
  });

  async function statuses(): Promise<string[]> {
    return (await storedAlerts()).map((a) => a.status);
  }

  async function storedAlerts(): Promise<StoredAlert[]> {
    await fetch(server.url + '/cloudtrail-alerts/_refresh', { method: 'POST' });
    const answer = (await (
      await fetch(server.url + '/cloudtrail-alerts/_search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ size: 100, query: { match_all: {} } }),
      })
    ).json()) as { hits: { hits: { _source: StoredAlert }[] } };
    return answer.hits.hits.map((hit) => hit._source).sort((a, b) => a.ruleId.localeCompare(b.ruleId));
  }

  it('sends each matching event once to Slack (Block Kit) and SNS; a replay of the file sends nothing more', async () => {
    await handler(s3Event(MIXED), context());
    assert.deepEqual(slack.headers().sort(), [
      'CRITICAL: Root user activity',
      'CRITICAL: Security group opened to the internet',
      'MEDIUM: Security group changed',
    ]);
    const rootMessage = slack.accepted.find((m) => m.body.text?.includes('Root user'))!.body;
    const fields = rootMessage
      .blocks!.find((b) => b.type === 'section')!
      .fields!.map((f) => f.text)
      .join('\n');
    assert.match(fields, /\*Actor\*\nroot \(account /);
    assert.match(fields, new RegExp(`\\*Event\\*\\n${String(root.eventName)} `));
    assert.match(fields, /\*Source IP\*/);
    const contextLine = rootMessage.blocks!.find((b) => b.type === 'context')!.elements![0]!.text;
    assert.ok(contextLine.includes(`eventID ${String(root.eventID)}`), contextLine);
    assert.ok(contextLine.includes(`s3://${BUCKET}/${MIXED}`), contextLine);
    assert.match(
      rootMessage.text!,
      /CRITICAL: Root user activity: .* \(rule cis\.root-account-use, eventID /,
    );
    assert.equal(aws.published.length, 3);
    assert.ok(aws.published.every((p) => p.topicArn === TOPIC_ARN));
    assert.deepEqual(
      (await storedAlerts()).map((a) => [a.ruleId, a.status, a.sentTo.sort().join('+')]),
      [
        ['cis.root-account-use', 'sent', 'slack+sns'],
        ['cis.security-group-change', 'sent', 'slack+sns'],
        ['security-group-open-to-world', 'sent', 'slack+sns'],
      ],
    );

    // The same file again (an SQS retry, a redrive): its documents are duplicates, its alerts were sent.
    resetForTests(); // a new container too: nothing remembered in memory
    await handler(s3Event(MIXED), context());
    assert.equal(slack.accepted.length, 3);
    assert.equal(aws.published.length, 3);
  });

  it('a crash between creating the alert record and sending: the retry sends it, once', async () => {
    const key = logKey('crash');
    await s3.put(BUCKET, key, logFile([root]));
    // The state such a crash leaves: the event indexed, its alert record created and still pending.
    delete process.env.ALERT_SLACK_WEBHOOK_SECRET;
    delete process.env.ALERT_SNS_TOPIC_ARN;
    resetForTests();
    await handler(s3Event(key), context());
    const id = `cis.root-account-use:${String(root.eventID)}`;
    const created = await fetch(`${server.url}/cloudtrail-alerts/_create/${encodeURIComponent(id)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ruleId: 'cis.root-account-use',
        eventId: root.eventID,
        status: 'pending',
        sentTo: [],
        title: 'Root user activity',
        severity: 'critical',
      }),
    });
    assert.equal(created.status, 201);

    Object.assign(process.env, { ALERT_SLACK_WEBHOOK_SECRET: SECRET_ARN, ALERT_SNS_TOPIC_ARN: TOPIC_ARN });
    resetForTests();
    await handler(s3Event(key), context());
    assert.deepEqual(slack.headers(), ['CRITICAL: Root user activity']);
    await handler(s3Event(key), context());
    assert.equal(slack.accepted.length, 1);
    assert.equal(aws.published.length, 1);
    assert.deepEqual(await statuses(), ['sent']);
  });

  it('Slack down for a whole invocation: the file fails, its alerts stay pending, and the next invocation sends them', async () => {
    const key = logKey('outage');
    await s3.put(BUCKET, key, logFile([root]));
    slack.always = { status: 500 };
    await assert.rejects(handler(s3Event(key), context()), (error: Error) => {
      assert.match(error.message, /1 alert\(s\) not sent, kept pending in cloudtrail-alerts/);
      assert.match(error.message, /HTTP 500/);
      assert.ok(!error.message.includes('XXXXSECRETPART'), 'the webhook URL must not appear in errors');
      return true;
    });
    assert.equal(slack.requests.length, 3, 'three attempts');
    assert.equal(aws.published.length, 1, 'SNS took it');
    assert.deepEqual(
      (await storedAlerts()).map((a) => [a.status, a.sentTo.join('+')]),
      [['pending', 'sns']],
    );

    slack.always = { status: 200 };
    await handler(s3Event(key), context());
    assert.deepEqual(slack.headers(), ['CRITICAL: Root user activity']);
    assert.equal(aws.published.length, 1, 'not sent to SNS a second time');
    assert.deepEqual(await statuses(), ['sent']);
  });

  it('alerts on events the document builder does not read in place: an escaped eventName, a repeated key', async () => {
    const key = logKey('unusual');
    const policy = matchOf('cis.iam-policy-change');
    const name = String(policy.eventName);
    // `\u0050utUserPolicy`: the same name to JSON.parse, but not plain text in the bytes.
    const escapedName = JSON.stringify(policy).replace(
      `"eventName":"${name}"`,
      `"eventName":"\\u${name.charCodeAt(0).toString(16).padStart(4, '0')}${name.slice(1)}"`,
    );
    assert.notEqual(escapedName, JSON.stringify(policy));
    // A repeated key: the builder parses this record (the later value counts, as for JSON.parse).
    const repeatedKey = JSON.stringify(root).replace(/^\{/, '{"awsRegion":"eu-north-1",');
    await s3.put(BUCKET, key, gzipSync(`{"Records":[${escapedName},${repeatedKey}]}`));
    await handler(s3Event(key), context());
    assert.deepEqual(slack.headers().sort(), ['CRITICAL: Root user activity', 'HIGH: IAM policy changed']);
  });

  it("honours Slack's 429 Retry-After before sending again", async () => {
    const key = logKey('throttled');
    await s3.put(BUCKET, key, logFile([root]));
    slack.next.push({ status: 429, retryAfterSeconds: 2 });
    await handler(s3Event(key), context());
    assert.equal(slack.requests.length, 2);
    assert.equal(slack.accepted.length, 1);
    const waitedMs = slack.requests[1]!.atMs - slack.requests[0]!.atMs;
    assert.ok(waitedMs >= 1_900, `sent again after ${waitedMs} ms, before Retry-After's 2 s`);
  });

  it('past the per-invocation budget, one summary message says how many more matched and where they are', async () => {
    process.env.ALERT_MAX_MESSAGES = '1';
    delete process.env.ALERT_SNS_TOPIC_ARN;
    resetForTests();
    await handler(s3Event(MIXED), context());
    assert.equal(slack.accepted.length, 2);
    const summary = slack.accepted[1]!.body.text!;
    assert.match(summary, /^2 more alert\(s\) matched in this run, past the budget of 1 message/);
    assert.match(summary, /in the index cloudtrail-alerts with status "summarised"/);
    assert.deepEqual((await storedAlerts()).map((a) => a.status).sort(), [
      'sent',
      'summarised',
      'summarised',
    ]);

    await handler(s3Event(MIXED), context());
    assert.equal(slack.accepted.length, 2, 'summarised alerts are not sent again by a replay');
  });

  it('reads the webhook URL from an SSM SecureString, once per container', async () => {
    process.env.ALERT_SLACK_WEBHOOK_SECRET = 'ssm:/alerts/slack';
    delete process.env.ALERT_SNS_TOPIC_ARN;
    resetForTests();
    await s3.put(BUCKET, logKey('ssm-1'), logFile([root]));
    await s3.put(BUCKET, logKey('ssm-2'), logFile([matchOf('cis.iam-policy-change')]));
    await handler(s3Event(logKey('ssm-1')), context());
    await handler(s3Event(logKey('ssm-2')), context());
    assert.deepEqual(slack.headers(), ['CRITICAL: Root user activity', 'HIGH: IAM policy changed']);
    assert.equal(aws.secretReads, 1);
  });

  it('a custom rules file replaces the pack; a malformed one fails every invocation naming rule and field', async () => {
    const good = join(rulesDir, 'good.yaml');
    await writeFile(
      good,
      'rules:\n  - id: any-ec2-write\n    title: EC2 write\n    severity: low\n    match: { field: eventSource, equals: ec2.amazonaws.com }\n',
    );
    process.env.ALERT_RULES = good;
    resetForTests();
    await handler(s3Event(MIXED), context());
    assert.deepEqual(slack.headers(), ['LOW: EC2 write']);

    const bad = join(rulesDir, 'bad.yaml');
    await writeFile(
      bad,
      'rules:\n  - id: broken\n    title: B\n    severity: low\n    match: { field: eventName, equal: X }\n',
    );
    process.env.ALERT_RULES = bad;
    resetForTests();
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        handler(s3Event(MIXED), context()),
        /bad\.yaml: rule "broken": match\.equal: unknown operator/,
      );
    }
  });
});
