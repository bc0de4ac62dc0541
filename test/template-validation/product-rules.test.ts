/**
 * The product rules (src/infra/product-rules.ts): the real templates pass, and each rule catches a copy of
 * a real template broken in the way it guards against (a mutation test per rule).
 */
import { ALERT_ENV_VARS } from '../../src/alerts/envVars.js';
import assert from 'node:assert/strict';
import { CLEANUP_ENV_VARS, INDEXER_ENV_VARS } from '../../src/config.js';
import { BREAKER_ENV_VARS } from '../../src/breaker/config.js';
import { envSchema } from '../../src/infra/env-schema.js';
import { checkProductRules, formatProblem } from '../../src/infra/product-rules.js';
import {
  ARCHIVE_TEMPLATE_PATH,
  assertProblem,
  loadTemplate,
  policyStatement,
  problemsAfter,
  statementBySid,
  type Obj,
} from './helpers.js';

const env = envSchema();

const resources = (t: Obj): Obj => t['Resources'] as Obj;
const props = (t: Obj, name: string): Obj => resources(t)[name]['Properties'] as Obj;
const indexer = 'Resources.IndexerFunction.Properties';

describe('product rules', function () {
  describe('the real templates', function () {
    it('cloudformation.yml and log-archive.yml have no problems', function () {
      assert.deepEqual(checkProductRules(loadTemplate(), env).map(formatProblem), []);
      assert.deepEqual(checkProductRules(loadTemplate(ARCHIVE_TEMPLATE_PATH), env).map(formatProblem), []);
    });

    it('checks environment variables against the lists the code exports', function () {
      assert.deepEqual(env.variables.indexer, [...INDEXER_ENV_VARS, ...ALERT_ENV_VARS]);
      assert.deepEqual(env.variables.cleanup, CLEANUP_ENV_VARS);
      assert.deepEqual(env.variables.breaker, BREAKER_ENV_VARS);
    });
  });

  describe('least privilege', function () {
    it("reports Action '*', a service wildcard and NotAction", function () {
      const problems = problemsAfter((t) => {
        statementBySid(t, 'IndexerRole', 'ReadTrailLogFiles')['Action'] = ['s3:GetObject', 's3:*'];
        statementBySid(t, 'CleanupRole', 'WriteOwnLogGroup')['Action'] = '*';
        const logs = statementBySid(t, 'IndexerRole', 'WriteOwnLogGroup');
        logs['NotAction'] = logs['Action'];
        delete logs['Action'];
      });
      assertProblem(
        problems,
        /IndexerRole.*Statement\[1\]\.Action\[1\]$/,
        /"s3:\*" allows every action of the service/,
      );
      assertProblem(problems, /CleanupRole.*Statement\[0\]\.Action$/, /Action "\*" allows every action/);
      assertProblem(problems, /IndexerRole.*Statement\[0\]\.NotAction$/, /NotAction grants everything else/);
    });

    it("reports Resource '*' for actions that support narrower resources", function () {
      const problems = problemsAfter(
        (t) => (statementBySid(t, 'IndexerRole', 'ReadTrailLogFiles')['Resource'] = '*'),
      );
      assertProblem(problems, /IndexerRole.*Statement\[1\]\.Resource$/, /Resource "\*" for s3:GetObject/);
    });

    it('reports an AWS managed policy on a role', function () {
      const problems = problemsAfter((t) => {
        props(t, 'CleanupRole')['ManagedPolicyArns'] = [
          'arn:aws:iam::aws:policy/AmazonOpenSearchServiceFullAccess',
        ];
      });
      assertProblem(
        problems,
        'Resources.CleanupRole.Properties.ManagedPolicyArns[0]',
        /grants more than this stack needs/,
      );
    });

    it('reports es:ESHttp* on the whole domain (no index prefix) in a role policy and in the domain access policy', function () {
      const problems = problemsAfter((t) => {
        const write = statementBySid(t, 'IndexerRole', 'WriteIndices');
        write['Resource']['Fn::If'][2] = { 'Fn::Sub': '${ExistingDomainArn}/*' };
        const access = props(t, 'Domain')['AccessPolicies']['Statement'] as unknown[];
        policyStatement(access, 'CleanupManagesDailyIndices')['Resource'] = {
          'Fn::Sub': 'arn:${AWS::Partition}:es:${AWS::Region}:${AWS::AccountId}:domain/${DomainName}/*',
        };
      });
      assertProblem(
        problems,
        /IndexerRole.*Statement\[4\]\.Fn::If\[2\]\.Resource\.Fn::If\[2\]$/,
        /reaches every index and API of the domain/,
      );
      assertProblem(
        problems,
        'Resources.Domain.Properties.AccessPolicies.Statement[3].Resource',
        /reaches every index and API/,
      );
    });

    it('reports anonymous access to the domain even behind an IP allow-list Condition', function () {
      const problems = problemsAfter((t) => {
        const access = props(t, 'Domain')['AccessPolicies']['Statement'] as unknown[];
        const statement = policyStatement(access, 'IndexerWritesIndices');
        statement['Principal'] = { AWS: '*' };
        statement['Condition'] = { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } };
      });
      assertProblem(
        problems,
        'Resources.Domain.Properties.AccessPolicies.Statement[1].Principal',
        /allows anyone.*IP allow-list/,
      );
    });

    it('reports a service principal without a source Condition in a queue policy', function () {
      const problems = problemsAfter((t) => {
        const statements = props(t, 'DeadLetterQueuePolicy')['PolicyDocument']['Statement'] as unknown[];
        delete policyStatement(statements, 'EventBridgeRulesDeadLetter')['Condition'];
      });
      assertProblem(problems, /DeadLetterQueuePolicy.*Statement\[0\]\.Principal$/, /acts for any account/);
    });

    it('reports a Lambda permission for anyone', function () {
      const problems = problemsAfter((t) => (props(t, 'CleanupSchedulePermission')['Principal'] = '*'));
      assertProblem(
        problems,
        'Resources.CleanupSchedulePermission.Properties.Principal',
        /anyone could invoke/,
      );
    });

    it('reports a function URL without IAM auth, and a URL permission for unsigned requests', function () {
      const problems = problemsAfter((t) => {
        props(t, 'QueryApiUrl')['AuthType'] = 'NONE';
        resources(t)['QueryApiPublicPermission'] = {
          Type: 'AWS::Lambda::Permission',
          Properties: {
            FunctionName: { Ref: 'QueryApiFunction' },
            Action: 'lambda:InvokeFunctionUrl',
            Principal: 'arn:aws:iam::111122223333:root',
            FunctionUrlAuthType: 'NONE',
          },
        };
      });
      assertProblem(
        problems,
        'Resources.QueryApiUrl.Properties.AuthType',
        /must be AWS_IAM, got string "NONE"/,
      );
      assertProblem(
        problems,
        'Resources.QueryApiPublicPermission.Properties.FunctionUrlAuthType',
        /unsigned requests/,
      );
    });
  });

  describe('encryption, TLS and dead-letter queues', function () {
    const withoutTlsDeny = (statements: unknown[]): void => void statements.splice(statements.length - 1, 1);
    const cases: { what: string; from?: string; mutate: (t: Obj) => void; expect: [string, RegExp][] }[] = [
      {
        what: 'a queue that is not encrypted and a queue without an HTTPS-only policy',
        mutate: (t) => {
          delete props(t, 'Queue')['SqsManagedSseEnabled'];
          withoutTlsDeny(props(t, 'DeadLetterQueuePolicy')['PolicyDocument']['Statement'] as unknown[]);
        },
        expect: [
          ['Resources.Queue.Properties', /queue is not encrypted/],
          ['Resources.DeadLetterQueue.Properties', /no AWS::SQS::QueuePolicy denies requests without TLS/],
        ],
      },
      {
        what: 'a topic that is not encrypted and a topic without an HTTPS-only policy',
        mutate: (t) => {
          delete props(t, 'AlarmTopic')['KmsMasterKeyId'];
          delete resources(t)['AlarmTopicPolicy'];
        },
        expect: [
          ['Resources.AlarmTopic.Properties.KmsMasterKeyId', /topic is not encrypted/],
          ['Resources.AlarmTopic.Properties', /no AWS::SNS::TopicPolicy denies requests without TLS/],
        ],
      },
      {
        what: 'a trail bucket without encryption, public access block or HTTPS-only policy',
        from: ARCHIVE_TEMPLATE_PATH,
        mutate: (t) => {
          delete props(t, 'TrailBucket')['BucketEncryption'];
          props(t, 'TrailBucket')['PublicAccessBlockConfiguration']['RestrictPublicBuckets'] = false;
          withoutTlsDeny(props(t, 'TrailBucketPolicy')['PolicyDocument']['Statement'] as unknown[]);
        },
        expect: [
          ['Resources.TrailBucket.Properties.BucketEncryption', /default encryption/],
          ['Resources.TrailBucket.Properties.PublicAccessBlockConfiguration', /RestrictPublicBuckets/],
          ['Resources.TrailBucket.Properties', /no AWS::S3::BucketPolicy denies requests without TLS/],
        ],
      },
    ];
    for (const { what, from, mutate, expect } of cases) {
      it(`reports ${what}`, function () {
        const problems = problemsAfter(mutate, from);
        for (const [path, message] of expect) assertProblem(problems, path, message);
      });
    }

    it('reports an SNS subscription and an EventBridge target without a dead-letter queue', function () {
      const problems = problemsAfter((t) => {
        delete props(t, 'TrailTopicToQueue')['RedrivePolicy'];
        delete props(t, 'LogFileCreatedRule')['Targets'][0]['DeadLetterConfig'];
      });
      assertProblem(problems, 'Resources.TrailTopicToQueue.Properties.RedrivePolicy', /dead-letter queue/);
      assertProblem(
        problems,
        'Resources.LogFileCreatedRule.Properties.Targets[0].DeadLetterConfig',
        /dead-letter queue/,
      );
    });

    it('reports a log group without retention', function () {
      const problems = problemsAfter((t) => delete props(t, 'BreakerLogGroup')['RetentionInDays']);
      assertProblem(problems, 'Resources.BreakerLogGroup.Properties', /RetentionInDays/);
    });
  });

  describe('concurrency caps', function () {
    it('reports a queue trigger without a maximum concurrency', function () {
      const problems = problemsAfter((t) => delete props(t, 'QueueEventSource')['ScalingConfig']);
      assertProblem(
        problems,
        'Resources.QueueEventSource.Properties.ScalingConfig.MaximumConcurrency',
        /missing: without a cap/,
      );
    });

    it("reports a maximum concurrency that may be below AWS's minimum of 2", function () {
      const problems = problemsAfter((t) => (t['Parameters']['IndexerConcurrency']['MinValue'] = 1));
      assertProblem(
        problems,
        'Resources.QueueEventSource.Properties.ScalingConfig.MaximumConcurrency',
        /at least 2.*MinValue 2/,
      );
      const literal = problemsAfter(
        (t) => (props(t, 'QueueEventSource')['ScalingConfig'] = { MaximumConcurrency: 1 }),
      );
      assertProblem(
        literal,
        'Resources.QueueEventSource.Properties.ScalingConfig.MaximumConcurrency',
        /at least 2/,
      );
    });

    it('reports a push trigger mode (s3, sns) whose function has no reserved concurrency', function () {
      const missing = problemsAfter(
        (t) => delete props(t, 'IndexerFunction')['ReservedConcurrentExecutions'],
      );
      assertProblem(missing, `${indexer}.ReservedConcurrentExecutions`, /missing when ModeSns, ModeS3/);
      const oneMode = problemsAfter(
        (t) => (props(t, 'IndexerFunction')['ReservedConcurrentExecutions']['Fn::If'][0] = 'ModeSns'),
      );
      assertProblem(
        oneMode,
        `${indexer}.ReservedConcurrentExecutions`,
        /missing when ModeS3: a push trigger/,
      );
    });
  });

  describe('Lambda functions', function () {
    it('reports an environment variable the code does not read, and a reserved one', function () {
      const problems = problemsAfter((t) => {
        const vars = props(t, 'IndexerFunction')['Environment']['Variables'] as Obj;
        vars['OPENSEARCH_ENDPIONT'] = 'https://x';
        vars['KEEP_DAYS'] = '30';
        vars['AWS_REGION'] = 'eu-west-1';
        props(t, 'BreakerFunction')['Environment']['Variables']['INDEX_PREFIX'] = 'x';
      });
      assertProblem(
        problems,
        `${indexer}.Environment.Variables.OPENSEARCH_ENDPIONT`,
        /indexer code does not read/,
      );
      assertProblem(
        problems,
        `${indexer}.Environment.Variables.KEEP_DAYS`,
        /indexer code does not read KEEP_DAYS/,
      );
      assertProblem(problems, `${indexer}.Environment.Variables.AWS_REGION`, /reserved by Lambda/);
      assertProblem(
        problems,
        'Resources.BreakerFunction.Properties.Environment.Variables.INDEX_PREFIX',
        /breaker code does not read INDEX_PREFIX \(not in src\/breaker\/config.ts\)/,
      );
    });

    it('reports a wrong handler, an old runtime, a missing timeout and a log group not of this template', function () {
      const problems = problemsAfter((t) => {
        props(t, 'IndexerFunction')['Handler'] = 'app.handler';
        props(t, 'CleanupFunction')['Runtime'] = 'nodejs18.x';
        delete props(t, 'BreakerFunction')['Timeout'];
        props(t, 'CleanupFunction')['LoggingConfig'] = { LogGroup: '/aws/lambda/cleanup' };
      });
      assertProblem(problems, `${indexer}.Handler`, /must be "index.handler".*"app.handler"/);
      assertProblem(problems, 'Resources.CleanupFunction.Properties.Runtime', /nodejs20.x or newer/);
      assertProblem(problems, 'Resources.BreakerFunction.Properties.Timeout', /3 s default/);
      assertProblem(
        problems,
        'Resources.CleanupFunction.Properties.LoggingConfig.LogGroup',
        /must Ref an AWS::Logs::LogGroup/,
      );
    });

    it('reports a function without the component marker', function () {
      const problems = problemsAfter((t) => delete resources(t)['CleanupFunction']['Metadata']);
      assertProblem(
        problems,
        'Resources.CleanupFunction.Metadata.cloudtrail-opensearch.component',
        /indexer, cleanup, breaker/,
      );
    });

    it('reports a visibility timeout below 6x the function timeout, and a batch without partial failures', function () {
      const problems = problemsAfter((t) => {
        t['Mappings']['QueueVisibility']['900']['Seconds'] = 900;
        props(t, 'QueueEventSource')['FunctionResponseTypes'] = [];
      });
      assertProblem(
        problems,
        'Resources.Queue.Properties.VisibilityTimeout',
        /900 s is less than 6 x the function timeout \(900 s when IndexerTimeout=900\)/,
      );
      assertProblem(
        problems,
        'Resources.QueueEventSource.Properties.FunctionResponseTypes',
        /ReportBatchItemFailures/,
      );
    });
  });

  describe('the OpenSearch domain and the VPC', function () {
    it('reports an unencrypted domain, plain HTTP, an old TLS policy and engine, no FGAC, no Retain', function () {
      const problems = problemsAfter((t) => {
        const domain = resources(t)['Domain'] as Obj;
        domain['Properties']['EncryptionAtRestOptions'] = { Enabled: false };
        delete domain['Properties']['NodeToNodeEncryptionOptions'];
        delete domain['Properties']['AdvancedSecurityOptions'];
        domain['Properties']['DomainEndpointOptions'] = {
          EnforceHTTPS: false,
          TLSSecurityPolicy: 'Policy-Min-TLS-1-0-2019-07',
        };
        t['Parameters']['EngineVersion']['Default'] = 'OpenSearch_1.3';
        delete domain['DeletionPolicy'];
      });
      const p = 'Resources.Domain.Properties';
      assertProblem(problems, `${p}.EncryptionAtRestOptions.Enabled`, /encryption at rest/);
      assertProblem(problems, `${p}.NodeToNodeEncryptionOptions.Enabled`, /node-to-node/);
      assertProblem(problems, `${p}.AdvancedSecurityOptions`, /fine-grained access control/);
      assertProblem(problems, `${p}.DomainEndpointOptions.EnforceHTTPS`, /HTTPS only/);
      assertProblem(problems, `${p}.DomainEndpointOptions.TLSSecurityPolicy`, /TLS 1.2/);
      assertProblem(problems, `${p}.EngineVersion`, /OpenSearch 2.x/);
      assertProblem(problems, 'Resources.Domain.DeletionPolicy', /Retain/);
    });

    it('reports a VPC attachment without security groups, and security groups no Rule requires', function () {
      const problems = problemsAfter(
        (t) => delete props(t, 'Domain')['VPCOptions']['Fn::If'][1]['SecurityGroupIds'],
      );
      assertProblem(
        problems,
        'Resources.Domain.Properties.VPCOptions.Fn::If[1].SecurityGroupIds',
        /needs security groups/,
      );
      const noRule = problemsAfter((t) => delete t['Rules']['VpcNeedsSecurityGroups']);
      assertProblem(
        noRule,
        `${indexer}.VpcConfig.Fn::If[1].SecurityGroupIds`,
        /VpcSecurityGroupIds may be empty: add a Rules assertion/,
      );
    });
  });
});
