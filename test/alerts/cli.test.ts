/**
 * Alerts through the CLI, run as a child process: `alerts test` on the bundled samples and on a bad
 * rules file, `index` sending alerts once (and none with --no-alerts), `alerts send-test`.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { cli, cliWithEnv } from '../helpers/cli.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import '../helpers/s3server.js'; // the SDK's test credentials
import { logFile, matchOf, missOf } from './fixtures/alertFiles.js';
import { AwsStandIns } from './helpers/awsStandIns.js';
import { WebhookReceiver } from './helpers/webhookReceiver.js';

const SECRET = 'secretsmanager:slack/security';
const SAMPLE_LOGIN_FILE =
  'cloudtrail logs+dev=1/AWSLogs/111122223333/CloudTrail/us-east-1/2022/11/10/111122223333_CloudTrail_us-east-1_20221110T1625Z_LwlTngDNL0P6nNwO.json.gz';

describe('alerts through the CLI', function () {
  this.timeout(180_000);
  let server: DevServer;
  let slack: WebhookReceiver;
  let aws: AwsStandIns;
  let dir: string;

  before(async () => {
    server = await startDevServer({ port: 0 });
    slack = await WebhookReceiver.start();
    aws = await AwsStandIns.start();
    aws.secrets.set('slack/security', slack.url);
    dir = await mkdtemp(join(tmpdir(), 'alerts-cli-'));
  });
  after(async () => {
    await server?.close();
    await slack?.close();
    await aws?.close();
  });
  beforeEach(() => slack.reset());

  const alertEnv = () => ({
    ...aws.env(),
    ALERT_SLACK_WEBHOOK_SECRET: SECRET,
    ALERT_SNS_TOPIC_ARN: undefined,
  });

  it('alerts test prints each match with its rule id and eventID', async () => {
    const result = await cli('alerts', 'test', join(SAMPLES_DIR, SAMPLE_LOGIN_FILE));
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n').filter((line) => line.includes('\t'));
    assert.ok(
      lines.includes(
        `cis.console-auth-failure\td38ce1b3-4575-4cb8-a632-611b8243bfc3\tConsoleLogin\t${join(SAMPLES_DIR, SAMPLE_LOGIN_FILE)}#1`,
      ),
      result.stdout,
    );
    assert.ok(
      lines.some((line) => line.startsWith('cis.root-account-use\ta4fbbe77-91a0-4238-804a-64314184edb6\t')),
    );
    assert.match(result.stdout, /events read, \d+ matches/);
  });

  it('alerts test --rules refuses a malformed file (exit 2) naming rule and field', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        rules: [{ id: 'x', title: 'X', severity: 'loud', match: { field: 'eventName', equals: 'A' } }],
      }),
    );
    const result = await cli('alerts', 'test', '--rules', bad, SAMPLES_DIR);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bad\.json: rule "x": severity: expected one of/);
  });

  it('index sends alerts once: a second run of the same files sends none; --no-alerts sends none', async () => {
    const logs = join(dir, 'logs');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(logs, { recursive: true });
    const file = join(logs, '111122223333_CloudTrail_us-east-1_20240312T1720Z_cli.json.gz');
    await writeFile(file, logFile([matchOf('cis.iam-policy-change'), missOf('cis.iam-policy-change')]));
    const args = ['index', logs, '--endpoint', server.url, '--index-prefix', 'clialerts-', '-q'];

    const quiet = await cliWithEnv(alertEnv(), ...args, '--no-alerts');
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(slack.accepted.length, 0);

    const first = await cliWithEnv(alertEnv(), ...args);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(slack.headers(), ['HIGH: IAM policy changed']);
    assert.match(first.stdout, /alerts: +matched 1, sent 1, already sent 0/);

    const again = await cliWithEnv(alertEnv(), ...args);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(slack.accepted.length, 1);
    assert.match(again.stdout, /alerts: +matched 1, sent 0, already sent 1/);
  });

  it('an alert the webhook keeps refusing: exit 1 (run again), and the next run sends it', async () => {
    const logs = join(dir, 'refused');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(logs, { recursive: true });
    const file = join(logs, '111122223333_CloudTrail_us-east-1_20240312T1720Z_refused.json.gz');
    await writeFile(file, logFile([matchOf('cis.iam-policy-change')]));
    const args = ['index', logs, '--endpoint', server.url, '--index-prefix', 'clialertsfail-', '-q'];

    slack.always = { status: 500 };
    const refused = await cliWithEnv(alertEnv(), ...args);
    assert.equal(refused.code, 1, refused.stderr + refused.stdout);
    assert.equal(slack.accepted.length, 0);
    assert.match(refused.stdout, /alerts: +matched 1, sent 0, .*failed 1/);
    assert.ok(refused.stdout.includes(`failed: ${file}: alerts: 1 alert(s) not sent`), refused.stdout);

    slack.always = { status: 200 };
    const again = await cliWithEnv(alertEnv(), ...args);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.deepEqual(slack.headers(), ['HIGH: IAM policy changed']);
  });

  it('alerts send-test posts one sample message', async () => {
    const result = await cliWithEnv(alertEnv(), 'alerts', 'send-test');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /test alert sent to slack/);
    assert.deepEqual(slack.headers(), ['INFO: Test message from cloudtrail-opensearch']);
  });
});
