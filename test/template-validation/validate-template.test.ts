import assert from 'node:assert/strict';
import { parseCfnYaml, TemplateParseError } from '../../src/infra/cfn-yaml.js';
import { CLEANUP_ENV_VARS, INDEXER_ENV_VARS } from '../../src/config.js';
import { loadEnvSchema, type EnvSchema } from '../../src/infra/env-schema.js';
import { loadSpec, type SpecDatabase } from '../../src/infra/spec.js';
import { formatProblem, validateTemplate, type Problem } from '../../src/infra/validate-template.js';
import { loadTemplate, statementBySid, type Obj } from './helpers.js';

describe('template validation', function () {
  let db: SpecDatabase;
  let env: EnvSchema;

  before(async function () {
    [db, env] = await Promise.all([loadSpec(), loadEnvSchema()]);
  });

  function problemsAfter(mutate: (template: Obj) => void): Problem[] {
    const template = loadTemplate();
    mutate(template);
    return validateTemplate(template, db, env);
  }

  /** Asserts a problem at exactly `path` whose message matches `message`. */
  function assertProblem(problems: Problem[], path: string, message: RegExp): void {
    const found = problems.some((p) => p.path === path && message.test(p.message));
    assert.ok(
      found,
      `expected a problem at ${path} matching ${message}; got:\n${problems.map(formatProblem).join('\n') || '(none)'}`,
    );
  }

  const indexer = 'Resources.IndexerFunction.Properties';
  const indexerPolicy = 'Resources.IndexerRole.Properties.Policies[0].PolicyDocument.Statement';

  describe('the real cloudformation.yml', function () {
    it('has no problems', function () {
      const problems = validateTemplate(loadTemplate(), db, env);
      assert.deepEqual(problems.map(formatProblem), []);
    });

    it('checks environment variables against the lists src/config.ts exports', function () {
      assert.equal(env.source, 'src/config.ts');
      assert.deepEqual(env.indexer, INDEXER_ENV_VARS);
      assert.deepEqual(env.cleanup, CLEANUP_ENV_VARS);
    });

    it('sets the Powertools variables and the endpoint on both functions', function () {
      const template = loadTemplate();
      for (const fn of ['IndexerFunction', 'CleanupFunction']) {
        const vars = template['Resources'][fn]['Properties']['Environment']['Variables'] as Obj;
        assert.equal(vars['POWERTOOLS_METRICS_NAMESPACE'], 'CloudTrailOpenSearch');
        assert.ok(vars['POWERTOOLS_SERVICE_NAME'] && vars['OPENSEARCH_ENDPOINT'] && vars['INDEX_PREFIX'], fn);
      }
    });
  });

  describe('spec checks', function () {
    it('reports a misspelled property, with a suggestion', function () {
      const problems = problemsAfter((t) => {
        const props = t['Resources']['IndexerFunction']['Properties'] as Obj;
        props['MemmorySize'] = props['MemorySize'];
        delete props['MemorySize'];
      });
      assertProblem(
        problems,
        `${indexer}.MemmorySize`,
        /unknown property "MemmorySize".*did you mean "MemorySize"/,
      );
    });

    it('reports a misspelled property inside a property type', function () {
      const problems = problemsAfter((t) => {
        t['Resources']['Domain']['Properties']['EncryptionAtRestOptions'] = { Enabeld: true };
      });
      assertProblem(
        problems,
        'Resources.Domain.Properties.EncryptionAtRestOptions.Enabeld',
        /unknown property "Enabeld" of EncryptionAtRestOptions/,
      );
    });

    it('reports a removed required property', function () {
      const problems = problemsAfter((t) => delete t['Resources']['IndexerFunction']['Properties']['Role']);
      assertProblem(problems, indexer, /missing required property "Role"/);
    });

    it('reports a removed required property of a property type', function () {
      const problems = problemsAfter(
        (t) => delete t['Resources']['CleanupScheduleRule']['Properties']['Targets'][0]['Id'],
      );
      assertProblem(
        problems,
        'Resources.CleanupScheduleRule.Properties.Targets[0]',
        /missing required property "Id"/,
      );
    });

    it('reports an unknown resource type', function () {
      const problems = problemsAfter((t) => (t['Resources']['Queue']['Type'] = 'AWS::SQS::Queu'));
      assertProblem(problems, 'Resources.Queue.Type', /unknown resource type "AWS::SQS::Queu"/);
    });

    it('reports a value of the wrong shape', function () {
      const problems = problemsAfter(
        (t) => (t['Resources']['IndexerFunction']['Properties']['Architectures'] = 'arm64'),
      );
      assertProblem(problems, `${indexer}.Architectures`, /expected a list/);
    });
  });

  describe('reference checks', function () {
    it('reports a GetAtt to a missing resource', function () {
      const problems = problemsAfter((t) => {
        t['Resources']['IndexerFunction']['Properties']['Role'] = { 'Fn::GetAtt': ['IndexerRoel', 'Arn'] };
      });
      assertProblem(
        problems,
        `${indexer}.Role.Fn::GetAtt`,
        /"IndexerRoel", which is not a resource.*did you mean "IndexerRole"/,
      );
    });

    it('reports a GetAtt to an attribute the resource type does not have', function () {
      const problems = problemsAfter((t) => {
        t['Outputs']['IndexerRoleArn']['Value'] = { 'Fn::GetAtt': ['IndexerRole', 'RoleArn'] };
      });
      assertProblem(
        problems,
        'Outputs.IndexerRoleArn.Value.Fn::GetAtt',
        /AWS::IAM::Role has no attribute "RoleArn"/,
      );
    });

    it('reports a Ref to a missing parameter', function () {
      const problems = problemsAfter((t) => {
        t['Resources']['IndexerFunction']['Properties']['Environment']['Variables']['INDEX_PREFIX'] = {
          Ref: 'IndexPrefx',
        };
      });
      assertProblem(
        problems,
        `${indexer}.Environment.Variables.INDEX_PREFIX.Ref`,
        /Ref to "IndexPrefx".*did you mean "IndexPrefix"/,
      );
    });

    it('reports unknown names inside Fn::Sub', function () {
      const problems = problemsAfter((t) => {
        t['Resources']['IndexerLogGroup']['Properties']['LogGroupName'] = {
          'Fn::Sub': '/x/${AWS::StackNam}/${Missing.Arn}/${!Literal}',
        };
      });
      const path = 'Resources.IndexerLogGroup.Properties.LogGroupName.Fn::Sub';
      assertProblem(problems, path, /Ref to "AWS::StackNam"/);
      assertProblem(problems, path, /Fn::GetAtt to "Missing"/);
      assert.equal(problems.length, 2, problems.map(formatProblem).join('\n'));
    });

    it('reports an undefined condition', function () {
      const problems = problemsAfter((t) => (t['Resources']['Queue']['Condition'] = 'UseQueues'));
      assertProblem(problems, 'Resources.Queue.Condition', /"UseQueues" is not defined in Conditions/);
    });

    it('reports a reference to a conditional resource from where its condition may not hold', function () {
      const problems = problemsAfter((t) => delete t['Resources']['QueueEventSource']['Condition']);
      assertProblem(
        problems,
        'Resources.QueueEventSource.Properties.EventSourceArn.Fn::GetAtt',
        /exists only if condition UseQueue holds.*TriggerMode=/,
      );
    });

    it('accepts such a reference inside an Fn::If whose condition implies it, and rejects the swapped branch', function () {
      // QueuePolicy (UseQueue): the else branch of If(ModeSqsSns) can only be sqs-eventbridge.
      const statement = (t: Obj): unknown[] =>
        t['Resources']['QueuePolicy']['Properties']['PolicyDocument']['Statement'][0]['Fn::If'];
      const problems = problemsAfter((t) => (statement(t)[0] = 'ModeSqsEventBridge'));
      assertProblem(
        problems,
        'Resources.QueuePolicy.Properties.PolicyDocument.Statement[0].Fn::If[2].Condition.ArnEquals.aws:SourceArn.Fn::GetAtt',
        /"LogFileCreatedRule", which exists only if condition ModeSqsEventBridge/,
      );
    });

    it('reports a mapping key missing for an allowed parameter value', function () {
      const problems = problemsAfter((t) =>
        (t['Parameters']['IndexerTimeout']['AllowedValues'] as number[]).push(45),
      );
      assertProblem(
        problems,
        'Resources.Queue.Properties.VisibilityTimeout.Fn::FindInMap',
        /has no key "45"/,
      );
    });
  });

  describe('IAM checks', function () {
    it("reports Action '*'", function () {
      const problems = problemsAfter(
        (t) => (statementBySid(t, 'IndexerRole', 'ReadTrailLogFiles')['Action'] = '*'),
      );
      assertProblem(problems, `${indexerPolicy}[1].Action`, /Action "\*" allows every action/);
    });

    it("reports a service wildcard 's3:*'", function () {
      const problems = problemsAfter(
        (t) => (statementBySid(t, 'IndexerRole', 'ReadTrailLogFiles')['Action'] = ['s3:GetObject', 's3:*']),
      );
      assertProblem(problems, `${indexerPolicy}[1].Action[1]`, /"s3:\*" allows every action of the service/);
    });

    it("reports Resource '*' where narrower resources exist", function () {
      const problems = problemsAfter(
        (t) => (statementBySid(t, 'IndexerRole', 'ReadTrailLogFiles')['Resource'] = '*'),
      );
      assertProblem(
        problems,
        `${indexerPolicy}[1].Resource`,
        /Resource "\*" for s3:GetObject,? which support/,
      );
    });

    it("reports Resource '*' inside an Fn::If statement, unless all its actions only support '*'", function () {
      const problems = problemsAfter((t) => {
        (statementBySid(t, 'CleanupRole', 'VpcNetworkInterfaces')['Action'] as string[]).push(
          'es:ESHttpDelete',
        );
      });
      assertProblem(
        problems,
        'Resources.CleanupRole.Properties.Policies[0].PolicyDocument.Statement[2].Fn::If[1].Resource',
        /Resource "\*" for es:ESHttpDelete, which support/,
      );
      assert.ok(
        !problems.some((p) => p.path.startsWith('Resources.IndexerRole')),
        'the unchanged VPC statement stays accepted',
      );
    });

    it('reports anonymous access to the domain', function () {
      const problems = problemsAfter((t) => {
        t['Resources']['Domain']['Properties']['AccessPolicies']['Statement'][0]['Principal'] = { AWS: '*' };
      });
      assertProblem(
        problems,
        'Resources.Domain.Properties.AccessPolicies.Statement[0].Principal',
        /anonymous access/,
      );
    });
  });

  describe('Lambda checks', function () {
    it('reports an environment variable the code does not know', function () {
      const problems = problemsAfter((t) => {
        t['Resources']['IndexerFunction']['Properties']['Environment']['Variables']['OPENSEARCH_ENDPIONT'] =
          'https://x';
      });
      assertProblem(
        problems,
        `${indexer}.Environment.Variables.OPENSEARCH_ENDPIONT`,
        /indexer code does not read OPENSEARCH_ENDPIONT.*did you mean "OPENSEARCH_ENDPOINT"/,
      );
    });

    it("reports a cleanup-only variable on the indexer and Lambda's reserved names", function () {
      const problems = problemsAfter((t) => {
        const vars = t['Resources']['IndexerFunction']['Properties']['Environment']['Variables'] as Obj;
        vars['KEEP_DAYS'] = '30';
        vars['AWS_REGION'] = 'eu-west-1';
      });
      assertProblem(
        problems,
        `${indexer}.Environment.Variables.KEEP_DAYS`,
        /indexer code does not read KEEP_DAYS/,
      );
      assertProblem(problems, `${indexer}.Environment.Variables.AWS_REGION`, /reserved by Lambda/);
    });

    it('reports a wrong handler and an old runtime', function () {
      const problems = problemsAfter((t) => {
        t['Resources']['IndexerFunction']['Properties']['Handler'] = 'app.handler';
        t['Resources']['CleanupFunction']['Properties']['Runtime'] = 'nodejs18.x';
      });
      assertProblem(problems, `${indexer}.Handler`, /must be "index.handler".*"app.handler"/);
      assertProblem(
        problems,
        'Resources.CleanupFunction.Properties.Runtime',
        /nodejs20.x or newer.*nodejs18.x/,
      );
    });

    it('reports a function without the component marker (no schema to check against)', function () {
      const problems = problemsAfter((t) => delete t['Resources']['CleanupFunction']['Metadata']);
      assertProblem(
        problems,
        'Resources.CleanupFunction.Metadata.cloudtrail-opensearch.component',
        /"indexer" or "cleanup"/,
      );
    });
  });

  describe('domain and queue checks', function () {
    it('reports an unencrypted domain', function () {
      const problems = problemsAfter((t) => {
        const props = t['Resources']['Domain']['Properties'] as Obj;
        props['EncryptionAtRestOptions'] = { Enabled: false };
        delete props['NodeToNodeEncryptionOptions'];
      });
      assertProblem(
        problems,
        'Resources.Domain.Properties.EncryptionAtRestOptions.Enabled',
        /must be true \(encryption at rest\)/,
      );
      assertProblem(
        problems,
        'Resources.Domain.Properties.NodeToNodeEncryptionOptions.Enabled',
        /node-to-node/,
      );
    });

    it('reports plain HTTP, an old TLS policy, an old engine and a domain deleted with the stack', function () {
      const problems = problemsAfter((t) => {
        const domain = t['Resources']['Domain'] as Obj;
        domain['Properties']['DomainEndpointOptions'] = {
          EnforceHTTPS: false,
          TLSSecurityPolicy: 'Policy-Min-TLS-1-0-2019-07',
        };
        t['Parameters']['EngineVersion']['Default'] = 'OpenSearch_1.3';
        delete domain['DeletionPolicy'];
      });
      const p = 'Resources.Domain.Properties';
      assertProblem(problems, `${p}.DomainEndpointOptions.EnforceHTTPS`, /HTTPS only/);
      assertProblem(problems, `${p}.DomainEndpointOptions.TLSSecurityPolicy`, /TLS 1.2/);
      assertProblem(problems, `${p}.EngineVersion`, /OpenSearch 2.x/);
      assertProblem(problems, 'Resources.Domain.DeletionPolicy', /Retain/);
    });

    it('reports a visibility timeout below 6x the function timeout, and a batch without partial failures', function () {
      const problems = problemsAfter((t) => {
        t['Mappings']['QueueVisibility']['900']['Seconds'] = 900;
        t['Resources']['QueueEventSource']['Properties']['FunctionResponseTypes'] = [];
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

    it('reports an unencrypted queue and a log group without retention', function () {
      const problems = problemsAfter((t) => {
        delete t['Resources']['DeadLetterQueue']['Properties']['SqsManagedSseEnabled'];
        delete t['Resources']['CleanupLogGroup']['Properties']['RetentionInDays'];
      });
      assertProblem(problems, 'Resources.DeadLetterQueue.Properties', /not encrypted/);
      assertProblem(problems, 'Resources.CleanupLogGroup.Properties', /RetentionInDays/);
    });
  });

  describe('YAML parsing', function () {
    it('turns every short-form intrinsic tag into its long form', function () {
      const text = [
        'a: !Ref P',
        'b: !GetAtt R.Outputs.X',
        'c: !Sub "${A}-${B}"',
        'd: !If [C, !Join ["", [!Select [0, !Split [",", !ImportValue E]]]], !Ref AWS::NoValue]',
        'e: !And [!Equals [x, y], !Or [!Not [!Condition C], !Condition D]]',
        'f: !FindInMap [M, K, V]',
        'g: !Base64 { "Fn::Sub": x }',
        'h: !Cidr [!GetAZs "", 6, 5]',
        'i: !GetAtt [R, Arn]',
      ].join('\n');
      assert.deepEqual(parseCfnYaml(text), {
        a: { Ref: 'P' },
        b: { 'Fn::GetAtt': ['R', 'Outputs.X'] },
        c: { 'Fn::Sub': '${A}-${B}' },
        d: {
          'Fn::If': [
            'C',
            { 'Fn::Join': ['', [{ 'Fn::Select': [0, { 'Fn::Split': [',', { 'Fn::ImportValue': 'E' }] }] }]] },
            { Ref: 'AWS::NoValue' },
          ],
        },
        e: {
          'Fn::And': [
            { 'Fn::Equals': ['x', 'y'] },
            { 'Fn::Or': [{ 'Fn::Not': [{ Condition: 'C' }] }, { Condition: 'D' }] },
          ],
        },
        f: { 'Fn::FindInMap': ['M', 'K', 'V'] },
        g: { 'Fn::Base64': { 'Fn::Sub': 'x' } },
        h: { 'Fn::Cidr': [{ 'Fn::GetAZs': '' }, 6, 5] },
        i: { 'Fn::GetAtt': ['R', 'Arn'] },
      });
    });

    it('rejects unknown tags and duplicate keys', function () {
      assert.throws(() => parseCfnYaml('a: !Reff X'), TemplateParseError);
      assert.throws(() => parseCfnYaml('a: 1\na: 2'), TemplateParseError);
    });
  });
});
