/** The command lines of scripts/validate-template.ts and scripts/deploy.ts: exit codes and messages. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TEMPLATE_PATH } from './helpers.js';

const DEPLOY = `${ROOT}build/scripts/deploy.js`;
const VALIDATE = `${ROOT}build/scripts/validate-template.js`;
/** Makes the scripts run without cfn-lint, as on a machine where it is not installed. */
const NO_CFN_LINT = { ...process.env, CFN_LINT: '/nonexistent/cfn-lint' };

function node(script: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd, env, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function sha16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

describe('scripts/validate-template', function () {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'validate-template-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without cfn-lint: says how to install it, still runs the product rules, exits 0 on the project templates', function () {
    const result = node(VALIDATE, [], ROOT, NO_CFN_LINT);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stderr,
      /cfn-lint skipped: .*install AWS's CloudFormation linter with: pip install cfn-lint/,
    );
    assert.match(result.stdout, /cloudformation.yml: OK \(\d+ resources\)/);
    assert.match(result.stdout, /log-archive.yml: OK \(\d+ resources\)/);
  });

  it('exits 1 and names each product-rule problem with its template path', function () {
    const broken = readFileSync(TEMPLATE_PATH, 'utf8').replace(
      '      ScalingConfig:\n        MaximumConcurrency: !Ref IndexerConcurrency\n',
      '',
    );
    const file = join(dir, 'broken.yml');
    writeFileSync(file, broken);
    const result = node(VALIDATE, [file], ROOT, NO_CFN_LINT);
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /broken.yml: Resources.QueueEventSource.Properties.ScalingConfig.MaximumConcurrency: missing: without a cap/,
    );
    assert.match(result.stderr, /\n1 problem\n/);
  });

  it('exits 1 on YAML that does not parse, and 2 on a file that does not exist', function () {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'Resources:\n  A: !Reff B\n');
    const result = node(VALIDATE, [file], ROOT, NO_CFN_LINT);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Unresolved tag: !Reff/);
    const missing = node(VALIDATE, [join(dir, 'absent.yml')], ROOT, NO_CFN_LINT);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /not found: .*absent.yml/);
  });
});

describe('scripts/deploy', function () {
  let dir: string;
  const base = ['--stack', 'trail-search', '--artifacts-bucket', 'my-artifacts', '--region', 'eu-west-1'];

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'deploy-'));
    copyFileSync(TEMPLATE_PATH, join(dir, 'cloudformation.yml'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function buildZips(): void {
    mkdirSync(join(dir, 'dist'));
    for (const name of ['indexer', 'cleanup', 'breaker', 'audit', 'query-api'])
      writeFileSync(join(dir, `dist/${name}.zip`), `${name} zip`);
  }

  it('--dry-run works on a fresh clone (nothing built): placeholders for the zips, the bundle step first', function () {
    const result = node(DEPLOY, [...base, '--dry-run', '--skip-validate'], dir);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      '# dry run: nothing runs. A real run:',
      'aws --version',
      'npm run bundle',
    ]);
    assert.match(
      result.stdout,
      /s3:\/\/my-artifacts\/cloudtrail-opensearch\/indexer-<sha256 of dist\/indexer.zip after bundling>.zip/,
    );
    assert.match(result.stdout, /--change-set-type 'CREATE\|UPDATE'/);
  });

  it('--dry-run --skip-bundle shows the content-hash keys, which change with the zip', function () {
    buildZips();
    const keyOf = () =>
      /indexer-[0-9a-f]{16}\.zip/.exec(
        node(DEPLOY, [...base, '--dry-run', '--skip-bundle', '--skip-validate'], dir).stdout,
      )?.[0];
    const before = keyOf();
    assert.equal(before, `indexer-${sha16('indexer zip')}.zip`);
    writeFileSync(join(dir, 'dist/indexer.zip'), 'new indexer build');
    assert.equal(keyOf(), `indexer-${sha16('new indexer build')}.zip`);
  });

  it('fails clearly when required arguments are missing or wrong', function () {
    const noStack = node(DEPLOY, ['--artifacts-bucket', 'b', '--region', 'r', '--dry-run'], dir);
    assert.equal(noStack.status, 2);
    assert.match(noStack.stderr, /--stack NAME is required/);
    const noBucket = node(DEPLOY, ['--stack', 's', '--region', 'r', '--dry-run'], dir);
    assert.equal(noBucket.status, 2);
    assert.match(noBucket.stderr, /--artifacts-bucket BUCKET .* is required/);
    const env = { ...process.env, AWS_REGION: '', AWS_DEFAULT_REGION: '' };
    const noRegion = node(DEPLOY, ['--stack', 's', '--artifacts-bucket', 'b', '--dry-run'], dir, env);
    assert.equal(noRegion.status, 2);
    assert.match(noRegion.stderr, /--region REGION is required/);
    const managed = node(DEPLOY, [...base, '--param', 'BreakerCodeKey=x.zip', '--dry-run'], dir);
    assert.equal(managed.status, 2);
    assert.match(managed.stderr, /BreakerCodeKey is set by the deploy script/);
    const unknown = node(
      DEPLOY,
      [...base, '--param', 'QueueMaximumConcurrency=5', '--dry-run', '--skip-validate'],
      dir,
    );
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /cloudformation.yml has no parameter QueueMaximumConcurrency/);
    const badTag = node(DEPLOY, [...base, '--tags', 'novalue', '--dry-run'], dir);
    assert.equal(badTag.status, 2);
    assert.match(badTag.stderr, /--tags takes KEY=VALUE/);
  });

  it('fails clearly when --skip-bundle is given but the zips were not built', function () {
    const result = node(DEPLOY, [...base, '--dry-run', '--skip-bundle', '--skip-validate'], dir);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /dist\/indexer.zip not found: run npm run bundle/);
  });

  it('fails clearly when the AWS CLI is missing', function () {
    buildZips();
    const emptyBin = join(dir, 'bin');
    mkdirSync(emptyBin);
    const result = node(DEPLOY, [...base, '--skip-bundle', '--skip-validate'], dir, {
      ...process.env,
      PATH: emptyBin,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /AWS CLI \(aws\) was not found on PATH/);
  });

  it('refuses to deploy a template that fails validation', function () {
    buildZips();
    const broken = readFileSync(TEMPLATE_PATH, 'utf8').replace('Runtime: nodejs22.x', 'Runtime: nodejs18.x');
    writeFileSync(join(dir, 'cloudformation.yml'), broken);
    const result = node(DEPLOY, [...base, '--dry-run', '--skip-bundle'], dir, NO_CFN_LINT);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Resources.IndexerFunction.Properties.Runtime: must be nodejs20.x or newer/);
    assert.doesNotMatch(result.stdout, /aws s3 cp/);
  });
});
