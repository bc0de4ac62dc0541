/**
 * What a stack deployed from cloudformation.yml holds for given parameters (resolved by stack-values.ts):
 * the created domain's options, the VPC subnets per availability zone, the lag alarm's missing-data rule,
 * the storage circuit breaker's wiring in each trigger mode, the required alarm target and the dashboard.
 */
import assert from 'node:assert/strict';
import { alertsConfigOf, MAX_MESSAGES_CEILING } from '../../src/alerts/settings.js';
import { loadTemplate, type Obj } from './helpers.js';
import { StackValues } from './stack-values.js';

const MASTER_ROLE = 'arn:aws:iam::111122223333:role/search-admin';
const EXISTING = {
  AlarmEmail: 'oncall@example.com',
  TrailBucketName: 'trail-bucket',
  TrailTopicArn: 'arn:aws:sns:eu-west-1:111122223333:trail',
  ExistingDomainEndpoint: 'https://search-logs.eu-west-1.es.amazonaws.com',
  ExistingDomainArn: 'arn:aws:es:eu-west-1:111122223333:domain/logs',
};
const CREATED = { ...EXISTING, DomainMode: 'create', FgacMasterRoleArn: MASTER_ROLE };

function stack(parameters: Record<string, string>): StackValues {
  const values = new StackValues(loadTemplate(), parameters);
  assert.deepEqual(values.failingRules(), [], 'the parameters pass the template Rules');
  return values;
}

describe('cloudformation.yml deployed with given parameters', function () {
  it('a created domain by default: two AZs, fine-grained access control, logs published, an AWS-owned key', function () {
    const domain = stack(CREATED).properties('Domain');
    assert.equal(domain['ClusterConfig']['ZoneAwarenessEnabled'], true);
    assert.deepEqual(domain['ClusterConfig']['ZoneAwarenessConfig'], { AvailabilityZoneCount: '2' });
    assert.equal(domain['ClusterConfig']['InstanceCount'], '2');
    assert.equal(domain['ClusterConfig']['DedicatedMasterEnabled'], false);
    assert.deepEqual(domain['AdvancedSecurityOptions'], {
      Enabled: true,
      InternalUserDatabaseEnabled: false,
      MasterUserOptions: { MasterUserARN: MASTER_ROLE },
    });
    assert.deepEqual(Object.keys(domain['LogPublishingOptions']).sort(), [
      'AUDIT_LOGS',
      'ES_APPLICATION_LOGS',
      'INDEX_SLOW_LOGS',
      'SEARCH_SLOW_LOGS',
    ]);
    assert.deepEqual(domain['EncryptionAtRestOptions'], { Enabled: true });
  });

  it('a created domain with standby, dedicated cluster managers and a customer-managed key when asked', function () {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const domain = stack({
      ...CREATED,
      AvailabilityZoneCount: '3',
      InstanceCount: '3',
      MultiAzWithStandby: 'true',
      DedicatedMasterType: 'm6g.large.search',
      DomainKmsKeyArn: key,
    }).properties('Domain');
    const cluster = domain['ClusterConfig'] as Obj;
    assert.equal(cluster['MultiAZWithStandbyEnabled'], true);
    assert.deepEqual(
      [cluster['DedicatedMasterEnabled'], cluster['DedicatedMasterType'], cluster['DedicatedMasterCount']],
      [true, 'm6g.large.search', '3'],
    );
    assert.deepEqual(domain['EncryptionAtRestOptions'], { Enabled: true, KmsKeyId: key });
  });

  it('refuses standby without three AZs and cluster managers, and FGAC without a master role', function () {
    const values = new StackValues(loadTemplate(), {
      ...EXISTING,
      DomainMode: 'create',
      MultiAzWithStandby: 'true',
    });
    assert.deepEqual(values.failingRules(), [
      'A created domain has fine-grained access control by default and needs FgacMasterRoleArn (an IAM role you can assume), or EnableFineGrainedAccessControl=false.',
      'MultiAzWithStandby=true needs AvailabilityZoneCount=3.',
      'MultiAzWithStandby=true needs dedicated cluster-manager nodes (DedicatedMasterType).',
    ]);
  });

  it('in a VPC: the domain gets one subnet per AZ it spans, the Lambdas all of them; security groups are required', function () {
    const vpc = { ...CREATED, VpcSubnetIds: 'subnet-a,subnet-b,subnet-c', VpcSecurityGroupIds: 'sg-1' };
    for (const [zones, subnets] of [
      ['1', ['subnet-a']],
      ['2', ['subnet-a', 'subnet-b']],
      ['3', ['subnet-a', 'subnet-b', 'subnet-c']],
    ] as const) {
      const values = stack({ ...vpc, AvailabilityZoneCount: zones, InstanceCount: zones });
      assert.deepEqual(values.properties('Domain')['VPCOptions'], {
        SubnetIds: subnets,
        SecurityGroupIds: ['sg-1'],
      });
      assert.deepEqual(values.properties('IndexerFunction')['VpcConfig']['SubnetIds'], [
        'subnet-a',
        'subnet-b',
        'subnet-c',
      ]);
    }
    const noGroups = new StackValues(loadTemplate(), { ...vpc, VpcSecurityGroupIds: '' });
    assert.match(noGroups.failingRules().join('\n'), /VpcSubnetIds needs VpcSecurityGroupIds/);
  });

  it("VpcSubnetIds' description names the Lambdas that run in the VPC, and says the breaker does not", function () {
    const template = loadTemplate();
    const everything = stack({
      ...CREATED,
      VpcSubnetIds: 'subnet-a,subnet-b',
      VpcSecurityGroupIds: 'sg-1',
      AuditSchedule: 'cron(0 4 * * ? *)',
      AuditCodeKey: 'audit.zip',
      QueryApi: 'enabled',
      QueryApiCodeKey: 'query-api.zip',
    });
    const functions = Object.entries(template['Resources'] as Obj).filter(
      ([name, resource]) => resource['Type'] === 'AWS::Lambda::Function' && everything.exists(name),
    );
    const componentsWhere = (inVpc: boolean): string[] =>
      functions
        .filter(([name]) => (everything.properties(name)['VpcConfig'] !== undefined) === inVpc)
        .map(([, resource]) => resource['Metadata']['cloudtrail-opensearch']['component'] as string);
    assert.deepEqual(componentsWhere(true), ['indexer', 'cleanup', 'audit', 'query-api']);
    assert.deepEqual(componentsWhere(false), ['breaker']);

    const description = String(template['Parameters']['VpcSubnetIds']['Description']).replace(/\s+/g, ' ');
    assert.match(description, /the indexer, cleanup, audit and query API Lambdas run in the VPC/);
    assert.match(description, /circuit breaker runs outside the VPC/);
    assert.doesNotMatch(description, /all of them\)|for the circuit breaker/);
  });

  it('alarms need a target: neither AlarmEmail nor AlarmTopicArn is refused; an existing topic replaces the new one', function () {
    const none = new StackValues(loadTemplate(), { ...EXISTING, AlarmEmail: '' });
    assert.match(none.failingRules().join('\n'), /Alarms need somewhere to go/);
    const topic = 'arn:aws:sns:eu-west-1:111122223333:oncall';
    const existing = stack({ ...EXISTING, AlarmEmail: '', AlarmTopicArn: topic });
    assert.equal(existing.exists('AlarmTopic'), false);
    assert.deepEqual(existing.properties('FilesFailedAlarm')['AlarmActions'], [topic]);
    assert.deepEqual(stack(EXISTING).properties('FilesFailedAlarm')['AlarmActions'], ['<ref:AlarmTopic>']);
  });

  it('the lag alarm treats missing data as breaching when ingestion is expected (the default), not otherwise', function () {
    assert.equal(stack(EXISTING).properties('IndexingLagAlarm')['TreatMissingData'], 'breaching');
    const quiet = stack({ ...EXISTING, IngestionExpected: 'false' });
    assert.equal(quiet.properties('IndexingLagAlarm')['TreatMissingData'], 'notBreaching');
  });

  it('the storage breaker switches the queue mapping in the SQS modes and the indexer concurrency in the push modes', function () {
    const sqs = stack(EXISTING);
    const alarm = sqs.properties('StorageAlarm');
    assert.deepEqual(alarm['AlarmActions'], ['<BreakerFunction.Arn>', '<ref:AlarmTopic>']);
    assert.deepEqual(alarm['OKActions'], ['<BreakerFunction.Arn>', '<ref:AlarmTopic>']);
    assert.deepEqual(alarm['Dimensions'], [
      { Name: 'DomainName', Value: 'logs' },
      { Name: 'ClientId', Value: '111122223333' },
    ]);
    assert.deepEqual(
      sqs.properties('BreakerFunction')['Environment']['Variables']['EVENT_SOURCE_MAPPING_UUID'],
      '<ref:QueueEventSource>',
    );
    assert.equal(sqs.properties('QueueEventSource')['ScalingConfig']['MaximumConcurrency'], '4');
    assert.equal(sqs.properties('IndexerFunction')['ReservedConcurrentExecutions'], undefined);

    const push = stack({ ...EXISTING, TriggerMode: 'sns', IndexerConcurrency: '6' });
    const variables = push.properties('BreakerFunction')['Environment']['Variables'] as Obj;
    assert.deepEqual(variables, {
      INDEXER_FUNCTION_NAME: '<ref:IndexerFunction>',
      INDEXER_RESERVED_CONCURRENCY: '6',
      LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: 'STACK-breaker',
    });
    assert.equal(push.properties('IndexerFunction')['ReservedConcurrentExecutions'], '6');
    assert.equal(push.exists('QueueEventSource'), false);
  });

  it('the Kinesis and alerts alarms exist only when those features are configured', function () {
    const plain = stack(EXISTING);
    assert.equal(plain.exists('KinesisDeadLetteredRecordsAlarm'), false);
    assert.equal(plain.exists('AlertsFailedAlarm'), false);
    const both = stack({
      ...EXISTING,
      KinesisStreamArn: 'arn:aws:kinesis:eu-west-1:111122223333:stream/trail',
      AlertSnsTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
    });
    assert.equal(
      both.properties('KinesisDeadLetteredRecordsAlarm')['MetricName'],
      'KinesisRecordsDeadLettered',
    );
    assert.equal(both.properties('AlertsFailedAlarm')['MetricName'], 'AlertsFailed');
  });

  it('AlertMaxMessages accepts only values the indexer accepts (a stack that deploys can index)', function () {
    const pattern = new RegExp(loadTemplate()['Parameters']['AlertMaxMessages']['AllowedPattern'] as string);
    const indexerAccepts = (value: string): boolean => {
      try {
        alertsConfigOf({
          ALERT_SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:alerts',
          ALERT_MAX_MESSAGES: value,
        });
        return true;
      } catch {
        return false;
      }
    };
    const values = ['', '01', ...Array.from({ length: 10_001 }, (_, n) => String(n))];
    const deployableButRefused = values.filter((value) => pattern.test(value) && !indexerAccepts(value));
    assert.deepEqual(deployableButRefused, []);
    assert.equal(MAX_MESSAGES_CEILING, 1000);
    assert.ok(pattern.test(String(MAX_MESSAGES_CEILING)), 'the highest value the indexer takes deploys');
  });

  it('a customer-managed alerts key is granted only for what is configured, and only through that service', function () {
    const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const statements = (parameters: Record<string, string>): Obj[] =>
      (stack(parameters).properties('IndexerRole')['Policies'] as Obj[]).flatMap(
        (policy) => policy['PolicyDocument']['Statement'] as Obj[],
      );
    const bySid = (list: Obj[], sid: string) => list.find((statement) => statement['Sid'] === sid);
    const secret = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:slack-AbCdEf';
    const parameter = 'arn:aws:ssm:eu-west-1:111122223333:parameter/alerts/slack';
    const topic = 'arn:aws:sns:eu-west-1:111122223333:alerts';

    const noKey = statements({ ...EXISTING, AlertSlackWebhookSecretArn: secret, AlertSnsTopicArn: topic });
    assert.equal(bySid(noKey, 'DecryptAlertWebhook'), undefined);
    assert.equal(bySid(noKey, 'EncryptAlertMessages'), undefined);

    const viaSecretsManager = bySid(
      statements({ ...EXISTING, AlertSlackWebhookSecretArn: secret, AlertKmsKeyArn: KEY }),
      'DecryptAlertWebhook',
    );
    assert.deepEqual(viaSecretsManager, {
      Sid: 'DecryptAlertWebhook',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: KEY,
      Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } },
    });
    const viaSsm = statements({ ...EXISTING, AlertSlackWebhookSecretArn: parameter, AlertKmsKeyArn: KEY });
    assert.deepEqual(bySid(viaSsm, 'DecryptAlertWebhook')!['Condition'], {
      StringLike: { 'kms:ViaService': 'ssm.*.amazonaws.com' },
    });
    assert.equal(bySid(viaSsm, 'EncryptAlertMessages'), undefined, 'no topic, no SNS grant');

    const topicOnly = statements({ ...EXISTING, AlertSnsTopicArn: topic, AlertKmsKeyArn: KEY });
    assert.equal(bySid(topicOnly, 'DecryptAlertWebhook'), undefined, 'no webhook, no decrypt grant');
    assert.deepEqual(bySid(topicOnly, 'EncryptAlertMessages'), {
      Sid: 'EncryptAlertMessages',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: KEY,
      Condition: { StringLike: { 'kms:ViaService': 'sns.*.amazonaws.com' } },
    });

    assert.deepEqual(new StackValues(loadTemplate(), { ...EXISTING, AlertKmsKeyArn: KEY }).failingRules(), [
      'AlertKmsKeyArn is the key of the Slack secret or the alert topic; set one of them too.',
    ]);
  });

  it('the dashboard body is valid JSON in every trigger mode, for existing and created domains', function () {
    for (const parameters of [
      EXISTING,
      { ...EXISTING, TriggerMode: 's3' },
      { ...CREATED, TriggerMode: 'sqs-eventbridge' },
    ]) {
      const body = stack(parameters).properties('Dashboard')['DashboardBody'] as string;
      const dashboard = JSON.parse(body) as { widgets: Obj[] };
      const titles = dashboard.widgets.map((w) => w['properties']['title']);
      assert.deepEqual(titles, [
        'Records',
        'Files',
        'Indexing lag (s)',
        'Indexer Lambda',
        'Queues',
        'Domain health',
        'Alarms',
      ]);
    }
  });
});
