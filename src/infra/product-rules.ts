// The project's own rules for its CloudFormation templates: what AWS's linter (cfn-lint) cannot know
// because it is about this product rather than about CloudFormation. Least privilege (no wildcards, no
// anonymous principals even behind a Condition, OpenSearch paths scoped to the index prefix), encryption
// and HTTPS-only policies on every queue, topic and bucket, dead-letter queues on every asynchronous hop,
// a concurrency cap on every trigger mode, the Lambdas' handler, runtime, timeouts and the environment
// variables their code reads, function URLs with IAM auth only, a locked-down OpenSearch domain, and
// alarms that can fire (alarm-rules.ts).
// Each problem names the template path it concerns, e.g. "Resources.IndexerFunction.Properties.Handler".
// This module walks the resources; each family of rules has a module of its own (policy-, transport-,
// domain-, lambda- and alarm-rules.ts).
import { checkAlarms } from './alarm-rules.js';
import { DomainRules } from './domain-rules.js';
import type { EnvSchema } from './env-schema.js';
import { LambdaRules } from './lambda-rules.js';
import { PolicyRules } from './policy-rules.js';
import { describe, eachValue, isObj, isTrue, TemplateView, textOf, type Obj } from './template-values.js';
import { TransportRules } from './transport-rules.js';

export interface Problem {
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: Problem): string {
  return `${problem.path}: ${problem.message}`;
}

/** All product-rule problems of a parsed template (see cfn-yaml.ts), in template order, the alarms' last. */
export function checkProductRules(template: unknown, env: EnvSchema): Problem[] {
  if (!isObj(template))
    return [{ path: '(template)', message: `must be a mapping, got ${describe(template)}` }];
  const view = new TemplateView(template);
  return [...new ProductRules(view, env).run(), ...checkAlarms(view)];
}

/** Where a family of rules reads the template and reports what it finds. */
export interface RuleContext {
  readonly view: TemplateView;
  report(path: string, message: string): void;
}

/** Walks the resources and hands each to the rules of its kind. */
class ProductRules implements RuleContext {
  private readonly problems: Problem[] = [];
  private readonly policies = new PolicyRules(this);
  private readonly transport = new TransportRules(this);
  private readonly domains = new DomainRules(this, this.policies);
  private readonly lambdas: LambdaRules;

  constructor(
    readonly view: TemplateView,
    env: EnvSchema,
  ) {
    this.lambdas = new LambdaRules(this, env);
  }

  run(): Problem[] {
    for (const [name, resource] of Object.entries(this.view.resources)) {
      if (isObj(resource)) this.resource(name, resource);
    }
    this.lambdas.pushModeCaps();
    return this.problems;
  }

  report(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  private resource(name: string, resource: Obj): void {
    const path = `Resources.${name}`;
    const pp = `${path}.Properties`;
    const props = isObj(resource['Properties']) ? resource['Properties'] : {};
    switch (resource['Type']) {
      case 'AWS::IAM::Role':
        this.policies.check(props['AssumeRolePolicyDocument'], `${pp}.AssumeRolePolicyDocument`, 'trust');
        eachValue(props['Policies'], `${pp}.Policies`, (policy, p) => {
          if (isObj(policy)) this.policies.check(policy['PolicyDocument'], `${p}.PolicyDocument`, 'identity');
        });
        eachValue(props['ManagedPolicyArns'], `${pp}.ManagedPolicyArns`, (arn, p) => {
          if (typeof arn === 'string' && /:iam::aws:policy\//.test(arn))
            this.report(
              p,
              `AWS managed policy ${arn} grants more than this stack needs; write a narrow inline policy`,
            );
        });
        return;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        return this.policies.check(props['PolicyDocument'], `${pp}.PolicyDocument`, 'identity');
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::S3::BucketPolicy':
        return this.policies.check(props['PolicyDocument'], `${pp}.PolicyDocument`, 'resource');
      case 'AWS::Logs::ResourcePolicy':
        return this.policies.check(textOf(props['PolicyDocument']), `${pp}.PolicyDocument`, 'resource');
      case 'AWS::KMS::Key':
        return this.policies.check(props['KeyPolicy'], `${pp}.KeyPolicy`, 'key');
      case 'AWS::OpenSearchService::Domain':
        return this.domains.check(resource, props, path);
      case 'AWS::Lambda::Function':
        return this.lambdas.lambdaFunction(resource, props, path);
      case 'AWS::Lambda::Permission':
        if (props['Principal'] === '*') this.report(`${pp}.Principal`, 'anyone could invoke the function');
        if (props['FunctionUrlAuthType'] === 'NONE')
          this.report(`${pp}.FunctionUrlAuthType`, 'NONE lets unsigned requests through; use AWS_IAM');
        return;
      case 'AWS::Lambda::Url':
        if (props['AuthType'] !== 'AWS_IAM')
          this.report(
            `${pp}.AuthType`,
            `must be AWS_IAM, got ${describe(props['AuthType'])}: with NONE anyone on the internet could call the function`,
          );
        return;
      case 'AWS::Lambda::EventSourceMapping':
        return this.lambdas.eventSourceMapping(props, pp);
      case 'AWS::SQS::Queue':
        if (!isTrue(props['SqsManagedSseEnabled']) && props['KmsMasterKeyId'] === undefined)
          this.report(pp, 'queue is not encrypted: set SqsManagedSseEnabled: true or KmsMasterKeyId');
        return this.transport.requireTlsPolicy(name, 'AWS::SQS::QueuePolicy', 'Queues', pp);
      case 'AWS::SNS::Topic':
        if (props['KmsMasterKeyId'] === undefined)
          this.report(`${pp}.KmsMasterKeyId`, 'topic is not encrypted: set KmsMasterKeyId');
        return this.transport.requireTlsPolicy(name, 'AWS::SNS::TopicPolicy', 'Topics', pp);
      case 'AWS::S3::Bucket':
        return this.transport.bucket(name, props, pp);
      case 'AWS::SNS::Subscription':
        if (props['RedrivePolicy'] === undefined)
          this.report(`${pp}.RedrivePolicy`, 'missing: messages SNS cannot deliver need a dead-letter queue');
        return;
      case 'AWS::Events::Rule':
        eachValue(props['Targets'], `${pp}.Targets`, (target, tp) => {
          if (isObj(target) && target['DeadLetterConfig'] === undefined)
            this.report(
              `${tp}.DeadLetterConfig`,
              'missing: events EventBridge cannot deliver need a dead-letter queue',
            );
        });
        return;
      case 'AWS::Logs::LogGroup':
        if (props['RetentionInDays'] === undefined)
          this.report(pp, 'missing RetentionInDays (logs would be kept forever)');
        return;
    }
  }
}
