import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TEMPLATE_PATH } from './helpers.js';

const DEPLOY = `${ROOT}build/scripts/deploy.js`;
const VALIDATE = `${ROOT}build/scripts/validate-template.js`;

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

  it('exits 0 on cloudformation.yml (the default path)', function () {
    const result = node(VALIDATE, [], ROOT);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /cloudformation.yml: OK/);
  });

  it('exits 1 and names each problem with its path on a broken copy', function () {
    const broken = readFileSync(TEMPLATE_PATH, 'utf8')
      .replace(
        '      Handler: index.handler\n      Code:\n        S3Bucket: !Ref ArtifactsBucket\n        S3Key: !Ref IndexerCodeKey',
        '      Handler: main.handler\n      Code:\n        S3Bucket: !Ref ArtifactsBucket\n        S3Key: !Ref IndexerCodeKey',
      )
      .replace('Role: !GetAtt CleanupRole.Arn', 'Role: !GetAtt CleanupRol.Arn');
    const file = join(dir, 'broken.yml');
    writeFileSync(file, broken);
    const result = node(VALIDATE, [file], ROOT);
    assert.equal(result.status, 1);
    const lines = result.stderr.split('\n');
    assert.ok(
      lines.includes(
        'Resources.IndexerFunction.Properties.Handler: must be "index.handler" (the bundle exports handler from index.js), got string "main.handler"',
      ),
      result.stderr,
    );
    assert.ok(
      lines.some((l) =>
        l.startsWith('Resources.CleanupFunction.Properties.Role.Fn::GetAtt: Fn::GetAtt to "CleanupRol"'),
      ),
      result.stderr,
    );
    assert.match(result.stderr, /2 problems/);
  });

  it('exits 1 on YAML that does not parse', function () {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'Resources:\n  A: !Reff B\n');
    const result = node(VALIDATE, [file], ROOT);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Unresolved tag: !Reff/);
  });
});

describe('scripts/deploy', function () {
  let dir: string;
  const base = ['--stack', 'trail-search', '--artifacts-bucket', 'my-artifacts', '--template', TEMPLATE_PATH];

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'deploy-'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist/indexer.zip'), 'fake indexer zip');
    writeFileSync(join(dir, 'dist/cleanup.zip'), 'fake cleanup zip');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--dry-run --skip-bundle prints the upload, deploy and outputs commands with content-hash keys', function () {
    const args = [
      ...base,
      '--skip-validate',
      '--region',
      'eu-west-1',
      '--param',
      'TrailBucketName=org-trail',
      '--param',
      'VpcSubnetIds=subnet-a,subnet-b',
      '--param',
      "AlarmEmail=o'hara@example.com",
    ];
    const result = node(DEPLOY, [...args, '--dry-run', '--skip-bundle'], dir);
    assert.equal(result.status, 0, result.stderr);
    const indexerKey = `cloudtrail-opensearch/indexer-${sha16('fake indexer zip')}.zip`;
    const cleanupKey = `cloudtrail-opensearch/cleanup-${sha16('fake cleanup zip')}.zip`;
    assert.deepEqual(result.stdout.trim().split('\n'), [
      '# dry run: these commands would run',
      `aws s3 cp dist/indexer.zip s3://my-artifacts/${indexerKey} --only-show-errors --region eu-west-1`,
      `aws s3 cp dist/cleanup.zip s3://my-artifacts/${cleanupKey} --only-show-errors --region eu-west-1`,
      `aws cloudformation deploy --template-file ${TEMPLATE_PATH} --stack-name trail-search --capabilities CAPABILITY_IAM` +
        ' --s3-bucket my-artifacts --s3-prefix cloudtrail-opensearch/templates --no-fail-on-empty-changeset' +
        ` --parameter-overrides ArtifactsBucket=my-artifacts IndexerCodeKey=${indexerKey} CleanupCodeKey=${cleanupKey}` +
        ` TrailBucketName=org-trail VpcSubnetIds=subnet-a,subnet-b 'AlarmEmail=o'\\''hara@example.com' --region eu-west-1`,
      "aws cloudformation describe-stacks --stack-name trail-search --query 'Stacks[0].Outputs' --output table --region eu-west-1",
    ]);
  });

  it('changes the S3 key when the zip changes, so the function code updates', function () {
    const keyOf = () =>
      /indexer-[0-9a-f]{16}\.zip/.exec(
        node(DEPLOY, [...base, '--dry-run', '--skip-bundle', '--skip-validate'], dir).stdout,
      )?.[0];
    const before = keyOf();
    writeFileSync(join(dir, 'dist/indexer.zip'), 'new indexer build');
    const after = keyOf();
    assert.ok(before && after);
    assert.notEqual(before, after);
    assert.equal(after, `indexer-${sha16('new indexer build')}.zip`);
  });

  it('prints the bundle step first unless --skip-bundle', function () {
    const result = node(DEPLOY, [...base, '--dry-run', '--skip-validate'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.split('\n')[1], 'npm run bundle');
  });

  it('fails clearly when required arguments are missing', function () {
    const noStack = node(DEPLOY, ['--artifacts-bucket', 'b', '--dry-run'], dir);
    assert.equal(noStack.status, 2);
    assert.match(noStack.stderr, /--stack NAME is required/);
    const noBucket = node(DEPLOY, ['--stack', 's', '--dry-run'], dir);
    assert.equal(noBucket.status, 2);
    assert.match(noBucket.stderr, /--artifacts-bucket BUCKET .* is required/);
    const managed = node(DEPLOY, [...base, '--param', 'IndexerCodeKey=x.zip', '--dry-run'], dir);
    assert.equal(managed.status, 2);
    assert.match(managed.stderr, /IndexerCodeKey is set by the deploy script/);
  });

  it('fails clearly when the zips were not built', function () {
    rmSync(join(dir, 'dist/cleanup.zip'));
    const result = node(DEPLOY, [...base, '--dry-run', '--skip-bundle', '--skip-validate'], dir);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /dist\/cleanup.zip not found: run npm run bundle/);
  });

  it('fails clearly when the AWS CLI is missing', function () {
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
    const broken = join(dir, 'broken.yml');
    writeFileSync(
      broken,
      readFileSync(TEMPLATE_PATH, 'utf8').replace('Runtime: nodejs22.x', 'Runtime: nodejs18.x'),
    );
    const result = node(
      DEPLOY,
      ['--stack', 's', '--artifacts-bucket', 'b', '--template', broken, '--dry-run', '--skip-bundle'],
      dir,
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Resources.IndexerFunction.Properties.Runtime: must be nodejs20.x or newer/);
    assert.doesNotMatch(result.stdout, /aws s3 cp/);
  });
});
