/**
 * scripts/deploy.ts against a stand-in `aws` executable on PATH: for each case (create, update, no change,
 * failed change set, failed update, a stack left in ROLLBACK_COMPLETE) the AWS CLI calls it makes are
 * exactly the ones docs/deploy.md lists, and what it prints and its exit code say what happened.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TEMPLATE_PATH } from './helpers.js';
import { StandInAws, type Answer, type Scenario } from './stand-in-aws.js';

const DEPLOY = `${ROOT}build/scripts/deploy.js`;
const ARGS = [
  '--stack',
  'STACK',
  '--artifacts-bucket',
  'BUCKET',
  '--region',
  'REGION',
  '--skip-validate',
  '--skip-bundle',
];
const NOT_FOUND: Answer = {
  status: 254,
  stderr:
    '\nAn error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id STACK does not exist\n',
};
const stack = (status: string, extra: Record<string, unknown> = {}): Answer => ({
  stdout: { Stacks: [{ StackName: 'STACK', StackStatus: status, ...extra }] },
});
const CHANGE_SET_READY: Answer = {
  stdout: {
    Status: 'CREATE_COMPLETE',
    ExecutionStatus: 'AVAILABLE',
    Changes: [
      {
        Type: 'Resource',
        ResourceChange: {
          Action: 'Modify',
          LogicalResourceId: 'IndexerFunction',
          ResourceType: 'AWS::Lambda::Function',
          Replacement: 'False',
        },
      },
      {
        Type: 'Resource',
        ResourceChange: {
          Action: 'Modify',
          LogicalResourceId: 'Domain',
          ResourceType: 'AWS::OpenSearchService::Domain',
          Replacement: 'True',
        },
      },
    ],
  },
};
const changeSetFailed = (reason: string): Answer => ({
  stdout: { Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: reason },
});
const OUTPUTS = { Outputs: [{ OutputKey: 'IndexerFunctionName', OutputValue: 'STACK-IndexerFunction-1' }] };
const PREVIOUS = {
  Parameters: [
    { ParameterKey: 'TrailBucketName', ParameterValue: 'org-trail' },
    { ParameterKey: 'KeepDays', ParameterValue: '30' },
    { ParameterKey: 'IndexerCodeKey', ParameterValue: 'old.zip' },
    { ParameterKey: 'DeadLetterIndex', ParameterValue: 'removed-from-the-template' },
  ],
};
const event = (id: string, type: string, status: string, reason: string): Record<string, string> => ({
  LogicalResourceId: id,
  ResourceType: type,
  ResourceStatus: status,
  ResourceStatusReason: reason,
});
/** Newest first, as describe-stack-events answers; the last failure predates this operation. */
const FAILED_UPDATE_EVENTS: Answer = {
  stdout: {
    StackEvents: [
      event('STACK', 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE', ''),
      event('IndexerFunction', 'AWS::Lambda::Function', 'UPDATE_FAILED', 'Resource update cancelled'),
      event(
        'Domain',
        'AWS::OpenSearchService::Domain',
        'UPDATE_FAILED',
        'CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename cloudtrail and update the stack again.',
      ),
      event('STACK', 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      event('Queue', 'AWS::SQS::Queue', 'CREATE_FAILED', 'an older failure'),
    ],
  },
};

/** The call list docs/deploy.md gives for a case (the text block after `<!-- aws-calls: NAME -->`). */
function documentedCalls(name: string): string[] {
  const doc = readFileSync(`${ROOT}docs/deploy.md`, 'utf8');
  const match = new RegExp(`<!-- aws-calls: ${name} -->\\s*\`\`\`text\\n([\\s\\S]*?)\`\`\``).exec(doc);
  assert.ok(match, `docs/deploy.md has no aws-calls block "${name}"`);
  return match[1]!.trim().split('\n');
}

/** A recorded call in the documentation's notation: hashes, the change set name and JSON arguments named. */
function asDocumented(args: string[]): string {
  return [
    'aws',
    ...args.map((arg, i) =>
      args[i - 1] === '--parameters'
        ? 'PARAMETERS_JSON'
        : args[i - 1] === '--tags'
          ? 'TAGS_JSON'
          : arg.replace(/-[0-9a-f]{16}\./g, '-HASH.').replace(/^deploy-\d{8}T\d{6}Z$/, 'CHANGE_SET'),
    ),
  ].join(' ');
}

describe('scripts/deploy against a stand-in aws', function () {
  let dir: string;
  let aws: StandInAws;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'deploy-trace-'));
    mkdirSync(join(dir, 'dist'));
    for (const name of ['indexer', 'cleanup', 'breaker', 'audit', 'query-api'])
      writeFileSync(join(dir, `dist/${name}.zip`), `${name} zip`);
    copyFileSync(TEMPLATE_PATH, join(dir, 'cloudformation.yml'));
    aws = new StandInAws(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function deploy(scenario: Scenario, extra: string[] = []) {
    const result = spawnSync(process.execPath, [DEPLOY, ...ARGS, ...extra], {
      cwd: dir,
      env: aws.env(scenario),
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: aws.calls() };
  }

  function parametersOf(calls: string[][]): Record<string, unknown>[] {
    const create = calls.find((c) => c[1] === 'create-change-set')!;
    return JSON.parse(create[create.indexOf('--parameters') + 1]!) as Record<string, unknown>[];
  }

  it('create: a CREATE change set with the tags, executed, then the outputs', function () {
    const run = deploy(
      {
        'cloudformation describe-stacks': [NOT_FOUND, stack('CREATE_COMPLETE', OUTPUTS)],
        'cloudformation create-change-set': [
          { stdout: { Id: 'arn:aws:cloudformation:REGION:1:changeSet/x' } },
        ],
        'cloudformation describe-change-set': [CHANGE_SET_READY],
      },
      [
        '--param',
        'TrailBucketName=org-trail',
        '--param',
        'AlarmEmail=oncall@example.com',
        '--tags',
        'team=security',
      ],
    );
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.calls.map(asDocumented), documentedCalls('create'));
    const tags = run.calls.find((c) => c[1] === 'create-change-set')!;
    assert.equal(tags[tags.indexOf('--tags') + 1], '[{"Key":"team","Value":"security"}]');
    const params = parametersOf(run.calls);
    assert.deepEqual(
      params.map((p) => p['ParameterKey']),
      [
        'ArtifactsBucket',
        'IndexerCodeKey',
        'CleanupCodeKey',
        'BreakerCodeKey',
        'AuditCodeKey',
        'QueryApiCodeKey',
        'TrailBucketName',
        'AlarmEmail',
      ],
    );
    assert.ok(params.every((p) => p['UsePreviousValue'] === undefined));
    assert.match(run.stdout, /Modify Domain AWS::OpenSearchService::Domain \(REPLACEMENT\)/);
    assert.match(
      run.stdout,
      /Created stack STACK\. Outputs:\n {2}IndexerFunctionName: STACK-IndexerFunction-1/,
    );
  });

  it('update: an UPDATE change set in which the parameters not given keep their values', function () {
    const run = deploy(
      {
        'cloudformation describe-stacks': [
          stack('UPDATE_COMPLETE', PREVIOUS),
          stack('UPDATE_COMPLETE', OUTPUTS),
        ],
        'cloudformation describe-change-set': [CHANGE_SET_READY],
      },
      ['--param', 'IndexerConcurrency=8'],
    );
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.calls.map(asDocumented), documentedCalls('update'));
    const params = parametersOf(run.calls);
    assert.deepEqual(params.slice(6), [
      { ParameterKey: 'IndexerConcurrency', ParameterValue: '8' },
      { ParameterKey: 'TrailBucketName', UsePreviousValue: true },
      { ParameterKey: 'KeepDays', UsePreviousValue: true },
    ]);
    assert.match(run.stdout, /Updated stack STACK/);
  });

  it('no change: says so, deletes the empty change set and exits 0', function () {
    const run = deploy({
      'cloudformation describe-stacks': [stack('UPDATE_COMPLETE', PREVIOUS)],
      'cloudformation describe-change-set': [
        changeSetFailed(
          "The submitted information didn't contain changes. Submit different information to create a change set.",
        ),
      ],
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.calls.map(asDocumented), documentedCalls('no-change'));
    assert.match(run.stdout, /No changes: stack STACK is up to date\./);
    assert.doesNotMatch(run.stdout, /Updated/);
  });

  it('failed change set: prints the reason, deletes the change set and exits 1', function () {
    const run = deploy({
      'cloudformation describe-stacks': [stack('UPDATE_COMPLETE', PREVIOUS)],
      'cloudformation describe-change-set': [changeSetFailed('Parameters: [TrailTopicArn] must have values')],
    });
    assert.equal(run.status, 1);
    assert.deepEqual(run.calls.map(asDocumented), documentedCalls('failed-change-set'));
    assert.deepEqual(documentedCalls('failed-change-set'), documentedCalls('no-change'));
    assert.match(
      run.stderr,
      /deploy: change set deploy-\d{8}T\d{6}Z failed: Parameters: \[TrailTopicArn\] must have values/,
    );
  });

  it('failed update: prints the events that caused the rollback, oldest first, and exits 1', function () {
    const run = deploy({
      'cloudformation describe-stacks': [
        stack('UPDATE_COMPLETE', PREVIOUS),
        stack('UPDATE_ROLLBACK_COMPLETE'),
      ],
      'cloudformation describe-change-set': [CHANGE_SET_READY],
      'cloudformation describe-stack-events': [FAILED_UPDATE_EVENTS],
    });
    assert.equal(run.status, 1);
    assert.deepEqual(run.calls.map(asDocumented), documentedCalls('failed-update'));
    const domain = run.stderr.indexOf(
      'Domain (AWS::OpenSearchService::Domain) UPDATE_FAILED: CloudFormation cannot update a stack when a custom-named resource requires replacing',
    );
    const cancelled = run.stderr.indexOf(
      'IndexerFunction (AWS::Lambda::Function) UPDATE_FAILED: Resource update cancelled',
    );
    assert.ok(domain > 0 && cancelled > domain, run.stderr);
    assert.doesNotMatch(run.stderr, /an older failure/);
    assert.match(run.stderr, /deploy: update of STACK failed/);
  });

  it('ROLLBACK_COMPLETE: prints why the first create failed, deletes the stack and creates it again', function () {
    const run = deploy({
      'cloudformation describe-stacks': [stack('ROLLBACK_COMPLETE'), stack('CREATE_COMPLETE', OUTPUTS)],
      'cloudformation describe-stack-events': [
        {
          stdout: {
            StackEvents: [
              event(
                'IndexerRole',
                'AWS::IAM::Role',
                'CREATE_FAILED',
                'API: iam:CreateRole User is not authorized',
              ),
              event('STACK', 'AWS::CloudFormation::Stack', 'CREATE_IN_PROGRESS', 'User Initiated'),
            ],
          },
        },
      ],
      'cloudformation describe-change-set': [CHANGE_SET_READY],
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.calls.map(asDocumented), documentedCalls('rollback-complete'));
    assert.match(
      run.stderr,
      /ROLLBACK_COMPLETE[\s\S]*IndexerRole \(AWS::IAM::Role\) CREATE_FAILED: API: iam:CreateRole User is not authorized/,
    );
    assert.match(run.stdout, /Created stack STACK/);
  });

  it('stops before any upload when the stack is busy', function () {
    const run = deploy({ 'cloudformation describe-stacks': [stack('UPDATE_IN_PROGRESS')] });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /stack STACK is busy \(UPDATE_IN_PROGRESS\)/);
    assert.deepEqual(
      run.calls.map((c) => c.slice(0, 2).join(' ')),
      ['--version', 'cloudformation describe-stacks'],
    );
  });
});
