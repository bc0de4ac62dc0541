// The project's own rules for its CloudFormation templates: what AWS's linter (cfn-lint) cannot know
// because it is about this product rather than about CloudFormation. Least privilege (no wildcards, no
// anonymous principals even behind a Condition, OpenSearch paths scoped to the index prefix), encryption
// and HTTPS-only policies on every queue, topic and bucket, dead-letter queues on every asynchronous hop,
// a concurrency cap on every trigger mode, the Lambdas' handler, runtime, timeouts and the environment
// variables their code reads, function URLs with IAM auth only, a locked-down OpenSearch domain, and
// alarms that can fire (alarm-rules.ts).
// Each problem names the template path it concerns, e.g. "Resources.IndexerFunction.Properties.Handler".
import { checkAlarms } from './alarm-rules.js';
import { COMPONENT_METADATA_KEY, RUNTIME_ENV_VARS, type Component, type EnvSchema } from './env-schema.js';
import {
  describe,
  eachBranch,
  eachValue,
  fnIf,
  getAttTarget,
  isNoValue,
  isObj,
  isTrue,
  refName,
  TemplateView,
  textOf,
  type Obj,
} from './template-values.js';

export interface Problem {
  readonly path: string;
  readonly message: string;
}

export const REQUIRED_HANDLER = 'index.handler';
export const MIN_NODE_RUNTIME = 20;
/** AWS's minimum for an SQS event source mapping's ScalingConfig.MaximumConcurrency. */
export const MIN_QUEUE_CONCURRENCY = 2;
/** Lambda sets these itself; a function may not override them. */
const RESERVED_LAMBDA_ENV = /^(AWS_.*|LAMBDA_.*|_HANDLER|_X_AMZN_TRACE_ID|TZ)$/;
/** Actions AWS authorizes only against Resource "*" (Lambda needs them to attach functions to a VPC). */
export const STAR_RESOURCE_ACTIONS: ReadonlySet<string> = new Set([
  'ec2:createnetworkinterface',
  'ec2:describenetworkinterfaces',
  'ec2:describesubnets',
  'ec2:deletenetworkinterface',
  'ec2:assignprivateipaddresses',
  'ec2:unassignprivateipaddresses',
  // An account-level call: CloudTrail's public keys belong to no resource.
  'cloudtrail:listpublickeys',
]);
/** Services that push events into a function; a function they invoke needs reserved concurrency. */
const PUSH_PRINCIPALS = new Set(['s3.amazonaws.com', 'sns.amazonaws.com']);

type PolicyKind = 'identity' | 'resource' | 'trust' | 'key';

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

class ProductRules {
  private readonly problems: Problem[] = [];

  constructor(
    private readonly view: TemplateView,
    private readonly env: EnvSchema,
  ) {}

  run(): Problem[] {
    for (const [name, resource] of Object.entries(this.view.resources)) {
      if (isObj(resource)) this.resource(name, resource);
    }
    this.pushModeCaps();
    return this.problems;
  }

  private report(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  private resource(name: string, resource: Obj): void {
    const path = `Resources.${name}`;
    const pp = `${path}.Properties`;
    const props = isObj(resource['Properties']) ? resource['Properties'] : {};
    switch (resource['Type']) {
      case 'AWS::IAM::Role':
        this.policy(props['AssumeRolePolicyDocument'], `${pp}.AssumeRolePolicyDocument`, 'trust');
        eachValue(props['Policies'], `${pp}.Policies`, (policy, p) => {
          if (isObj(policy)) this.policy(policy['PolicyDocument'], `${p}.PolicyDocument`, 'identity');
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
        return this.policy(props['PolicyDocument'], `${pp}.PolicyDocument`, 'identity');
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::S3::BucketPolicy':
        return this.policy(props['PolicyDocument'], `${pp}.PolicyDocument`, 'resource');
      case 'AWS::Logs::ResourcePolicy':
        return this.policy(textOf(props['PolicyDocument']), `${pp}.PolicyDocument`, 'resource');
      case 'AWS::KMS::Key':
        return this.policy(props['KeyPolicy'], `${pp}.KeyPolicy`, 'key');
      case 'AWS::OpenSearchService::Domain':
        return this.domain(resource, props, path);
      case 'AWS::Lambda::Function':
        return this.lambdaFunction(resource, props, path);
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
        return this.eventSourceMapping(props, pp);
      case 'AWS::SQS::Queue':
        if (!isTrue(props['SqsManagedSseEnabled']) && props['KmsMasterKeyId'] === undefined)
          this.report(pp, 'queue is not encrypted: set SqsManagedSseEnabled: true or KmsMasterKeyId');
        return this.requireTlsPolicy(name, 'AWS::SQS::QueuePolicy', 'Queues', pp);
      case 'AWS::SNS::Topic':
        if (props['KmsMasterKeyId'] === undefined)
          this.report(`${pp}.KmsMasterKeyId`, 'topic is not encrypted: set KmsMasterKeyId');
        return this.requireTlsPolicy(name, 'AWS::SNS::TopicPolicy', 'Topics', pp);
      case 'AWS::S3::Bucket':
        return this.bucket(name, props, pp);
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

  // ------------------------------------------------------------------ IAM

  private policy(doc: unknown, path: string, kind: PolicyKind): void {
    if (doc === undefined) return;
    if (typeof doc === 'string') {
      try {
        doc = JSON.parse(doc) as unknown;
      } catch {
        this.report(path, 'policy document is not valid JSON');
        return;
      }
    }
    eachValue(doc, path, (d, dp) => {
      if (!isObj(d)) return;
      eachValue(d['Statement'], `${dp}.Statement`, (statement, sp) => {
        if (isObj(statement) && statement['Effect'] === 'Allow') this.allowStatement(statement, sp, kind);
      });
    });
  }

  private allowStatement(statement: Obj, path: string, kind: PolicyKind): void {
    let grantsTemplateRole = kind === 'identity';
    if (kind !== 'identity') {
      eachValue(statement['Principal'], `${path}.Principal`, (principal, pp) => {
        const values = isObj(principal) ? Object.values(principal).flat() : [principal];
        if (values.includes('*')) {
          this.report(
            pp,
            statement['Condition'] === undefined
              ? 'allows anyone (Principal "*")'
              : 'allows anyone (Principal "*"); a Condition such as an IP allow-list limits where calls come from, not who makes them: name the principals',
          );
        }
        const service = isObj(principal) ? principal['Service'] : undefined;
        if (kind === 'resource' && service !== undefined && statement['Condition'] === undefined)
          this.report(
            pp,
            'a service principal without a Condition on aws:SourceArn or aws:SourceAccount acts for any account',
          );
        if (isObj(principal) && values.some((v) => this.isTemplateRole(v))) grantsTemplateRole = true;
      });
    }
    // In a key policy, Resource "*" means the key itself, and the account's administration statement is kms:*.
    if (kind === 'trust' || kind === 'key') return;
    if (statement['NotAction'] !== undefined)
      this.report(`${path}.NotAction`, 'Allow with NotAction grants everything else; list the actions');
    if (statement['NotResource'] !== undefined)
      this.report(`${path}.NotResource`, 'Allow with NotResource; name the resources');
    const actions: string[] = [];
    eachValue(statement['Action'], `${path}.Action`, (action, ap) => {
      if (typeof action !== 'string') return;
      actions.push(action);
      if (action === '*') this.report(ap, 'Action "*" allows every action on every service');
      else if (/^[a-z0-9-]+:\*$/i.test(action))
        this.report(ap, `Action "${action}" allows every action of the service; list the ones needed`);
      else if (action.includes('*') || action.includes('?'))
        this.report(ap, `wildcard action "${action}"; list the actions needed`);
    });
    const openSearchHttp = actions.some((a) => /^es:ESHttp/i.test(a));
    eachValue(statement['Resource'], `${path}.Resource`, (resource, rp) => {
      if (textOf(resource) === '*') {
        const narrow = actions.filter((a) => !STAR_RESOURCE_ACTIONS.has(a.toLowerCase()));
        if (actions.length === 0 || narrow.length > 0)
          this.report(
            rp,
            `Resource "*" for ${narrow.join(', ') || 'these actions'}, which support narrower resources`,
          );
      } else if (openSearchHttp && grantsTemplateRole) {
        this.openSearchPath(resource, rp);
      }
    });
  }

  /** es:ESHttp* for the stack's own roles: only the paths the code uses, never the whole domain. */
  private openSearchPath(resource: unknown, path: string): void {
    const text = textOf(resource);
    const rest =
      text === undefined ? undefined : /(?::domain\/[^/]+|^\$\{[A-Za-z0-9:.]+\})\/(.*)$/.exec(text)?.[1];
    if (rest === undefined) {
      this.report(
        path,
        `es:ESHttp* on ${text ?? describe(resource)}: name paths under the domain (DOMAIN_ARN/PATH)`,
      );
    } else if (/^_?\*/.test(rest)) {
      this.report(
        path,
        `es:ESHttp* on "${text}" reaches every index and API of the domain; grant the paths the code uses (.../\${IndexPrefix}*, .../_bulk, ...)`,
      );
    }
  }

  /** True for a { Fn::GetAtt: [role, Arn] } of a role this template creates. */
  private isTemplateRole(value: unknown): boolean {
    return this.view.resource(getAttTarget(value))?.['Type'] === 'AWS::IAM::Role';
  }

  // ------------------------------------------------------------------ encryption and TLS

  /** The queue/topic/bucket `name` must be covered by a policy resource that denies plain HTTP. */
  private requireTlsPolicy(name: string, policyType: string, listKey: string | undefined, pp: string): void {
    const covered = this.view.ofType(policyType).some(([, , props]) => {
      const targets = listKey === undefined ? [props['Bucket']] : props[listKey];
      const listed = Array.isArray(targets) && targets.some((t) => refName(t) === name);
      return listed && this.deniesInsecureTransport(props['PolicyDocument']);
    });
    if (!covered)
      this.report(
        pp,
        `no ${policyType} denies requests without TLS (Deny with Condition Bool aws:SecureTransport "false")`,
      );
  }

  private deniesInsecureTransport(doc: unknown): boolean {
    let found = false;
    eachValue(isObj(doc) ? doc['Statement'] : undefined, '', (statement) => {
      const condition = isObj(statement) ? statement['Condition'] : undefined;
      const bool = isObj(condition) ? condition['Bool'] : undefined;
      const secure = isObj(bool) ? bool['aws:SecureTransport'] : undefined;
      if (isObj(statement) && statement['Effect'] === 'Deny' && String(secure) === 'false') found = true;
    });
    return found;
  }

  private bucket(name: string, props: Obj, pp: string): void {
    if (props['BucketEncryption'] === undefined)
      this.report(`${pp}.BucketEncryption`, 'missing: set default encryption (SSE-KMS for trail buckets)');
    const block = props['PublicAccessBlockConfiguration'];
    const keys = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];
    if (!isObj(block) || !keys.every((k) => isTrue(block[k])))
      this.report(`${pp}.PublicAccessBlockConfiguration`, `must set ${keys.join(', ')} to true`);
    this.requireTlsPolicy(name, 'AWS::S3::BucketPolicy', undefined, pp);
  }

  // ------------------------------------------------------------------ OpenSearch domain

  private domain(resource: Obj, props: Obj, path: string): void {
    const pp = `${path}.Properties`;
    const flag = (objName: string, field: string, what: string): void => {
      const obj = props[objName];
      if (!isObj(obj) || !isTrue(obj[field]))
        this.report(`${pp}.${objName}.${field}`, `must be true (${what})`);
    };
    flag('EncryptionAtRestOptions', 'Enabled', 'encryption at rest');
    flag('NodeToNodeEncryptionOptions', 'Enabled', 'node-to-node encryption');
    flag('DomainEndpointOptions', 'EnforceHTTPS', 'HTTPS only');
    const endpoint = props['DomainEndpointOptions'];
    const tls = isObj(endpoint) ? endpoint['TLSSecurityPolicy'] : undefined;
    if (typeof tls !== 'string' || !/^Policy-Min-TLS-1-[2-9]/.test(tls))
      this.report(
        `${pp}.DomainEndpointOptions.TLSSecurityPolicy`,
        `must require TLS 1.2 or newer, got ${describe(tls)}`,
      );
    const version = this.view.scalar(props['EngineVersion']);
    const major = version === undefined ? undefined : /^OpenSearch_(\d+)\./.exec(version)?.[1];
    if (major === undefined || Number(major) < 2)
      this.report(`${pp}.EngineVersion`, `must be OpenSearch 2.x or newer, got ${describe(version)}`);
    if (props['AdvancedSecurityOptions'] === undefined)
      this.report(
        `${pp}.AdvancedSecurityOptions`,
        'missing: fine-grained access control must be available (and on by default)',
      );
    if (props['AccessPolicies'] === undefined)
      this.report(
        `${pp}.AccessPolicies`,
        'missing: the access policy must name the roles that may call the domain',
      );
    this.policy(props['AccessPolicies'], `${pp}.AccessPolicies`, 'resource');
    if (resource['DeletionPolicy'] !== 'Retain')
      this.report(`${path}.DeletionPolicy`, 'must be Retain so deleting the stack keeps the indexed data');
    eachValue(props['VPCOptions'], `${pp}.VPCOptions`, (vpc, vp) => this.securityGroups(vpc, vp));
  }

  /** A VPC attachment needs security groups, and one taken from a parameter that may be left empty
   * needs a Rules assertion so the stack refuses to deploy without them. */
  private securityGroups(vpc: unknown, path: string): void {
    if (!isObj(vpc)) return;
    const groups = vpc['SecurityGroupIds'];
    if (groups === undefined || isNoValue(groups) || (Array.isArray(groups) && groups.length === 0)) {
      this.report(
        `${path}.SecurityGroupIds`,
        'missing: a VPC attachment needs security groups that allow HTTPS',
      );
      return;
    }
    const param = refName(groups);
    const def = this.view.parameter(param)?.['Default'];
    if (param === undefined || (def !== undefined && String(def) !== '')) return;
    const asserted = JSON.stringify(this.view.rules).includes(JSON.stringify({ Ref: param }));
    if (!asserted)
      this.report(
        `${path}.SecurityGroupIds`,
        `parameter ${param} may be empty: add a Rules assertion that requires it with the subnets`,
      );
  }

  // ------------------------------------------------------------------ Lambda

  private lambdaFunction(resource: Obj, props: Obj, path: string): void {
    const pp = `${path}.Properties`;
    if (props['Handler'] !== REQUIRED_HANDLER)
      this.report(
        `${pp}.Handler`,
        `must be "${REQUIRED_HANDLER}" (the bundle exports handler from index.js), got ${describe(props['Handler'])}`,
      );
    const runtime = props['Runtime'];
    const major = typeof runtime === 'string' ? /^nodejs(\d+)\.x$/.exec(runtime)?.[1] : undefined;
    if (major === undefined || Number(major) < MIN_NODE_RUNTIME)
      this.report(`${pp}.Runtime`, `must be nodejs${MIN_NODE_RUNTIME}.x or newer, got ${describe(runtime)}`);
    if (props['Timeout'] === undefined)
      this.report(`${pp}.Timeout`, 'missing: the 3 s default is too short for any of these functions');
    const logGroup = isObj(props['LoggingConfig']) ? props['LoggingConfig']['LogGroup'] : undefined;
    if (this.view.resource(refName(logGroup))?.['Type'] !== 'AWS::Logs::LogGroup')
      this.report(
        `${pp}.LoggingConfig.LogGroup`,
        'must Ref an AWS::Logs::LogGroup of this template (explicit retention, no logs:CreateLogGroup)',
      );
    eachValue(props['VpcConfig'], `${pp}.VpcConfig`, (vpc, vp) => this.securityGroups(vpc, vp));

    const marker = isObj(resource['Metadata']) ? resource['Metadata'][COMPONENT_METADATA_KEY] : undefined;
    const component = isObj(marker) ? marker['component'] : undefined;
    if (typeof component !== 'string' || !(component in this.env.variables)) {
      this.report(
        `${path}.Metadata.${COMPONENT_METADATA_KEY}.component`,
        `must be one of ${Object.keys(this.env.variables).join(', ')} (selects the environment schema)`,
      );
      return;
    }
    const known = new Set([...this.env.variables[component as Component], ...RUNTIME_ENV_VARS]);
    const environment = isObj(props['Environment']) ? props['Environment']['Variables'] : undefined;
    eachValue(environment, `${pp}.Environment.Variables`, (variables, vp) => {
      if (!isObj(variables)) return;
      for (const key of Object.keys(variables)) {
        if (RESERVED_LAMBDA_ENV.test(key))
          this.report(`${vp}.${key}`, 'reserved by Lambda; the runtime sets it');
        else if (!known.has(key))
          this.report(
            `${vp}.${key}`,
            `the ${component} code does not read ${key} (not in ${this.env.source[component as Component]})`,
          );
      }
    });
  }

  private eventSourceMapping(props: Obj, pp: string): void {
    const queueName = getAttTarget(props['EventSourceArn']);
    const queue = this.view.resource(queueName);
    if (queue?.['Type'] !== 'AWS::SQS::Queue') return;
    const queueProps = isObj(queue['Properties']) ? queue['Properties'] : {};
    const responseTypes = props['FunctionResponseTypes'];
    if (!Array.isArray(responseTypes) || !responseTypes.includes('ReportBatchItemFailures'))
      this.report(
        `${pp}.FunctionResponseTypes`,
        'must include ReportBatchItemFailures (otherwise one bad file makes the whole batch retry)',
      );
    if (queueProps['RedrivePolicy'] === undefined)
      this.report(
        `Resources.${queueName}.Properties.RedrivePolicy`,
        'missing: messages that keep failing need a dead-letter queue',
      );
    eachBranch(props['ScalingConfig'], `${pp}.ScalingConfig`, (scaling, sp) => {
      const cap = isObj(scaling) ? scaling['MaximumConcurrency'] : undefined;
      if (cap === undefined) {
        this.report(
          `${sp}.MaximumConcurrency`,
          'missing: without a cap the queue scales the indexer to the account limit and floods the domain',
        );
        return;
      }
      const param = this.view.parameter(refName(cap));
      const least = param ? Number(param['MinValue']) : Number(this.view.scalar(cap));
      if (!(least >= MIN_QUEUE_CONCURRENCY))
        this.report(
          `${sp}.MaximumConcurrency`,
          `must be at least ${MIN_QUEUE_CONCURRENCY} (AWS's minimum)${param ? `: give parameter ${refName(cap)} MinValue ${MIN_QUEUE_CONCURRENCY}` : ''}`,
        );
    });
    this.visibilityTimeout(props, queueName!, queueProps);
  }

  /** Queue visibility timeout >= 6 x the function timeout, for every allowed value of the timeout parameter. */
  private visibilityTimeout(props: Obj, queueName: string, queueProps: Obj): void {
    const fn = this.view.resource(refName(props['FunctionName']));
    const fnProps = isObj(fn?.['Properties']) ? (fn['Properties'] as Obj) : undefined;
    if (!fnProps) return;
    const timeoutExpr = fnProps['Timeout'] ?? 3;
    const timeoutParam = refName(timeoutExpr);
    const values = timeoutParam === undefined ? [undefined] : this.view.parameterValues(timeoutParam);
    for (const value of values) {
      const binding = timeoutParam !== undefined && value !== undefined ? { [timeoutParam]: value } : {};
      const timeout = Number(this.view.scalar(timeoutExpr, binding));
      const visibility = Number(this.view.scalar(queueProps['VisibilityTimeout'] ?? 30, binding));
      if (!Number.isNaN(timeout) && !Number.isNaN(visibility) && visibility < 6 * timeout) {
        this.report(
          `Resources.${queueName}.Properties.VisibilityTimeout`,
          `${visibility} s is less than 6 x the function timeout (${timeout} s${value !== undefined ? ` when ${timeoutParam}=${value}` : ''})`,
        );
      }
    }
  }

  /** A function that S3 or SNS invokes (push modes) must have reserved concurrency whenever that trigger exists. */
  private pushModeCaps(): void {
    const triggers = new Map<string, (string | undefined)[]>();
    const add = (fnValue: unknown, resource: Obj): void => {
      const fn = refName(fnValue) ?? getAttTarget(fnValue);
      if (fn !== undefined)
        triggers.set(fn, [...(triggers.get(fn) ?? []), resource['Condition'] as string | undefined]);
    };
    for (const [, resource, props] of this.view.ofType('AWS::Lambda::Permission'))
      if (PUSH_PRINCIPALS.has(String(props['Principal']))) add(props['FunctionName'], resource);
    for (const [, resource, props] of this.view.ofType('AWS::SNS::Subscription'))
      if (props['Protocol'] === 'lambda') add(props['Endpoint'], resource);
    for (const [fn, conditions] of triggers) {
      const path = `Resources.${fn}.Properties.ReservedConcurrentExecutions`;
      const value = (this.view.resource(fn)?.['Properties'] as Obj | undefined)?.[
        'ReservedConcurrentExecutions'
      ];
      const branch = fnIf(value);
      const capped = (condition: string | undefined): boolean =>
        value !== undefined &&
        !isNoValue(value) &&
        (branch === undefined ||
          (condition !== undefined &&
            this.view.implies(condition, branch.condition) &&
            !isNoValue(branch.then)));
      const uncapped = conditions.filter((c) => !capped(c));
      if (uncapped.length > 0) {
        this.report(
          path,
          `missing when ${uncapped.map((c) => c ?? 'always').join(', ')}: a push trigger (S3, SNS) would scale the function to the account limit and flood the domain`,
        );
      }
    }
  }
}
