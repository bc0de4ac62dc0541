/**
 * The query API's part of cloudformation.yml: off unless QueryApi is enabled; a function URL with IAM
 * auth; a role that can only search and count the daily indices (GET and POST on `_search` and `_count`
 * under the daily-index pattern, nothing that writes), in its own policy and in a created domain's
 * access policy; a log group with retention, reserved concurrency, the variables its code reads, and
 * the outputs a caller needs.
 */
import { strict as assert } from 'node:assert';
import { QUERY_API_ENV_VARS } from '../../src/config.js';
import { RUNTIME_ENV_VARS } from '../../src/infra/env-schema.js';
import { loadTemplate, policyStatement, statementBySid, type Obj } from '../template-validation/helpers.js';

const QUERY_API_RESOURCES = [
  'QueryApiLogGroup',
  'QueryApiRole',
  'QueryApiFunction',
  'QueryApiUrl',
  'QueryApiInvokePolicy',
];

/** Every Resource entry of a statement, as text (Fn::Sub and Fn::If branches flattened). */
function resourceTexts(statement: Obj): string[] {
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const obj = value as Obj;
      if ('Fn::Sub' in obj) walk(obj['Fn::Sub']);
      else if ('Fn::If' in obj) (obj['Fn::If'] as unknown[]).slice(1).forEach(walk);
    }
  };
  walk(statement['Resource']);
  return texts;
}

function assertSearchOnly(statement: Obj): void {
  assert.deepEqual(statement['Action'], ['es:ESHttpGet', 'es:ESHttpPost']);
  const paths = resourceTexts(statement);
  assert.ok(paths.length > 0);
  for (const path of paths) assert.match(path, /\/\$\{IndexPrefix\}2\*\/_(search|count)$/, path);
}

describe('cloudformation.yml: the query API', () => {
  const template = loadTemplate();
  const resources = template['Resources'] as Obj;

  it('is off by default: every query API resource and output exists only when QueryApi is enabled', () => {
    assert.equal(template['Parameters']['QueryApi']['Default'], 'disabled');
    assert.deepEqual(template['Conditions']['DeployQueryApi'], {
      'Fn::Equals': [{ Ref: 'QueryApi' }, 'enabled'],
    });
    for (const name of QUERY_API_RESOURCES)
      assert.equal(resources[name]?.['Condition'], 'DeployQueryApi', name);
    const outputs = Object.entries(template['Outputs'] as Obj).filter(([name]) =>
      name.startsWith('QueryApi'),
    );
    assert.deepEqual(outputs.map(([name]) => name).sort(), [
      'QueryApiFunctionName',
      'QueryApiInvokePolicyArn',
      'QueryApiRoleArn',
      'QueryApiUrl',
    ]);
    for (const [name, output] of outputs) assert.equal(output['Condition'], 'DeployQueryApi', name);
  });

  it('serves through a function URL with IAM auth, callable only by principals given the invoke policy', () => {
    const url = resources['QueryApiUrl']['Properties'] as Obj;
    assert.equal(url['AuthType'], 'AWS_IAM');
    assert.deepEqual(url['TargetFunctionArn'], { 'Fn::GetAtt': ['QueryApiFunction', 'Arn'] });
    assert.deepEqual(template['Outputs']['QueryApiUrl']['Value'], {
      'Fn::GetAtt': ['QueryApiUrl', 'FunctionUrl'],
    });
    const statements = resources['QueryApiInvokePolicy']['Properties']['PolicyDocument'][
      'Statement'
    ] as Obj[];
    assert.deepEqual(
      statements.map((s) => [s['Action'], s['Resource']]),
      [
        ['lambda:InvokeFunctionUrl', { 'Fn::GetAtt': ['QueryApiFunction', 'Arn'] }],
        ['lambda:InvokeFunction', { 'Fn::GetAtt': ['QueryApiFunction', 'Arn'] }],
      ],
    );
    assert.deepEqual(statements[0]!['Condition'], {
      StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
    });
    // No resource policy opens the function to anyone else.
    const permissions = Object.values(resources).filter(
      (r) =>
        (r as Obj)['Type'] === 'AWS::Lambda::Permission' &&
        JSON.stringify((r as Obj)['Properties']['FunctionName']).includes('QueryApiFunction'),
    );
    assert.deepEqual(permissions, []);
  });

  it('can only search and count the daily indices: its role and the domain access policy', () => {
    assertSearchOnly(statementBySid(template, 'QueryApiRole', 'SearchDailyIndices'));
    const domainStatements = resources['Domain']['Properties']['AccessPolicies']['Statement'] as unknown[];
    const granted = policyStatement(domainStatements, 'QueryApiSearchesDailyIndices');
    assert.deepEqual(granted['Principal'], { AWS: { 'Fn::GetAtt': ['QueryApiRole', 'Arn'] } });
    assertSearchOnly(granted);
    const statements = resources['QueryApiRole']['Properties']['Policies'][0]['PolicyDocument'][
      'Statement'
    ] as Obj[];
    const actions = JSON.stringify(statements).match(/"[a-z0-9]+:[A-Za-z*]+"/g) ?? [];
    const allowed = new Set([
      '"logs:CreateLogStream"',
      '"logs:PutLogEvents"',
      '"aoss:APIAccessAll"',
      '"es:ESHttpGet"',
      '"es:ESHttpPost"',
      '"ec2:CreateNetworkInterface"',
      '"ec2:DescribeNetworkInterfaces"',
      '"ec2:DescribeSubnets"',
      '"ec2:DeleteNetworkInterface"',
      '"ec2:AssignPrivateIpAddresses"',
      '"ec2:UnassignPrivateIpAddresses"',
    ]);
    for (const action of actions) assert.ok(allowed.has(action), `unexpected action ${action}`);
  });

  it('logs to its own group with retention, has a concurrency cap, and sets only the variables its code reads', () => {
    const fn = resources['QueryApiFunction'] as Obj;
    const props = fn['Properties'] as Obj;
    assert.equal(fn['Metadata']['cloudtrail-opensearch']['component'], 'query-api');
    assert.deepEqual(props['LoggingConfig'], { LogGroup: { Ref: 'QueryApiLogGroup' } });
    assert.deepEqual(resources['QueryApiLogGroup']['Properties']['RetentionInDays'], {
      Ref: 'LogRetentionDays',
    });
    assert.deepEqual(props['ReservedConcurrentExecutions'], { Ref: 'QueryApiConcurrency' });
    assert.ok(Number(template['Parameters']['QueryApiConcurrency']['MinValue']) >= 1);
    assert.deepEqual(props['Code']['S3Key'], { Ref: 'QueryApiCodeKey' });
    const variables = props['Environment']['Variables'] as Obj;
    for (const name of Object.keys(variables))
      assert.ok(QUERY_API_ENV_VARS.includes(name) || RUNTIME_ENV_VARS.includes(name), name);
    assert.deepEqual(variables['INDEX_PREFIX'], { Ref: 'IndexPrefix' });
  });
});
