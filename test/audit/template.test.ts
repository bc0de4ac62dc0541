/**
 * The scheduled audit's part of cloudformation.yml: off unless AuditSchedule is set, least privilege
 * (the trail's prefix, the ledger index only, ListPublicKeys only when signatures are verified), the
 * variables its code reads, and an alarm on the metric its code emits under its service name.
 */
import { strict as assert } from 'node:assert';
import { AUDIT_ENV_VARS } from '../../src/audit/config.js';
import { RUNTIME_ENV_VARS } from '../../src/infra/env-schema.js';
import { loadTemplate, statementBySid, type Obj } from '../template-validation/helpers.js';

const AUDIT_RESOURCES = [
  'AuditLogGroup',
  'AuditRole',
  'AuditFunction',
  'AuditScheduleRule',
  'AuditSchedulePermission',
  'AuditFindingsAlarm',
  'AuditErrorsAlarm',
];

describe('cloudformation.yml: the scheduled audit', () => {
  const template = loadTemplate();
  const resources = template['Resources'] as Obj;

  it('is off by default: every audit resource exists only when AuditSchedule is set', () => {
    assert.equal(template['Parameters']['AuditSchedule']['Default'], '');
    assert.deepEqual(template['Conditions']['RunAudit'], {
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AuditSchedule' }, ''] }],
    });
    for (const name of AUDIT_RESOURCES) assert.equal(resources[name]?.['Condition'], 'RunAudit', name);
    assert.equal(template['Outputs']['AuditFunctionName']['Condition'], 'RunAudit');
  });

  it("outputs the audit role's ARN, for fine-grained access control and a domain's access policy", () => {
    const output = template['Outputs']['AuditRoleArn'] as Obj;
    assert.equal(output['Condition'], 'RunAudit');
    assert.deepEqual(output['Value'], { 'Fn::GetAtt': ['AuditRole', 'Arn'] });
  });

  it('sets the variables the audit code reads, and the trail bucket and prefix the indexer reads', () => {
    const variables = resources['AuditFunction']['Properties']['Environment']['Variables'] as Obj;
    for (const name of Object.keys(variables))
      assert.ok(AUDIT_ENV_VARS.includes(name) || RUNTIME_ENV_VARS.includes(name), name);
    assert.deepEqual(variables['TRAIL_BUCKET'], { Ref: 'TrailBucketName' });
    assert.deepEqual(variables['TRAIL_PREFIX'], { Ref: 'TrailKeyPrefix' });
    assert.deepEqual(variables['AUDIT_DAYS'], { Ref: 'AuditDays' });
    assert.equal(resources['AuditFunction']['Metadata']['cloudtrail-opensearch']['component'], 'audit');
  });

  it('reads the trail under its prefix only, writes the ledger index only, asks for public keys only when verifying', () => {
    const list = statementBySid(template, 'AuditRole', 'ListTrailFolders');
    assert.equal(list['Action'], 's3:ListBucket');
    assert.deepEqual(list['Condition'], { StringLike: { 's3:prefix': { 'Fn::Sub': '${TrailKeyPrefix}*' } } });
    const read = statementBySid(template, 'AuditRole', 'ReadDigestFiles');
    assert.equal(read['Action'], 's3:GetObject');
    const ledger = statementBySid(template, 'AuditRole', 'ReadAndRecordLedger');
    const ledgerResources = JSON.stringify(ledger['Resource']);
    assert.ok(!/\$\{IndexPrefix\}\*/.test(ledgerResources), 'no access to the daily indices');
    assert.match(ledgerResources, /\$\{IndexPrefix\}ledger/);
    const statements = resources['AuditRole']['Properties']['Policies'][0]['PolicyDocument'][
      'Statement'
    ] as Obj[];
    const keys = statements.find((s) => JSON.stringify(s).includes('cloudtrail:ListPublicKeys'))!;
    assert.equal(keys['Fn::If'][0], 'AuditVerifiesSignatures');
    assert.deepEqual(keys['Fn::If'][2], { Ref: 'AWS::NoValue' });
  });

  it('runs on the schedule and alarms on AuditFindings under the service name the function logs as', () => {
    const rule = resources['AuditScheduleRule']['Properties'] as Obj;
    assert.deepEqual(rule['ScheduleExpression'], { Ref: 'AuditSchedule' });
    assert.deepEqual(rule['Targets'][0]['Arn'], { 'Fn::GetAtt': ['AuditFunction', 'Arn'] });
    const alarm = resources['AuditFindingsAlarm']['Properties'] as Obj;
    assert.equal(alarm['MetricName'], 'AuditFindings');
    const service =
      resources['AuditFunction']['Properties']['Environment']['Variables']['POWERTOOLS_SERVICE_NAME'];
    assert.deepEqual(alarm['Dimensions'], [{ Name: 'service', Value: service }]);
    assert.equal(alarm['Threshold'], 0);
  });
});
