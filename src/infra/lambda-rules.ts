// The Lambda functions and what triggers them: the bundle's handler, a supported Node runtime, a timeout,
// a log group of this template, only the environment variables the code reads; SQS triggers that report
// partial batch failures, have a dead-letter queue, a concurrency cap and a visibility timeout of at least
// six function timeouts; push triggers (S3, SNS) only on functions with reserved concurrency.
import { checkSecurityGroups } from './domain-rules.js';
import { COMPONENT_METADATA_KEY, RUNTIME_ENV_VARS, type Component, type EnvSchema } from './env-schema.js';
import type { RuleContext } from './product-rules.js';
import {
  describe,
  eachBranch,
  eachValue,
  fnIf,
  getAttTarget,
  isNoValue,
  isObj,
  refName,
  type Obj,
} from './template-values.js';

export const REQUIRED_HANDLER = 'index.handler';
export const MIN_NODE_RUNTIME = 20;
/** AWS's minimum for an SQS event source mapping's ScalingConfig.MaximumConcurrency. */
export const MIN_QUEUE_CONCURRENCY = 2;
/** Lambda sets these itself; a function may not override them. */
const RESERVED_LAMBDA_ENV = /^(AWS_.*|LAMBDA_.*|_HANDLER|_X_AMZN_TRACE_ID|TZ)$/;
/** Services that push events into a function; a function they invoke needs reserved concurrency. */
const PUSH_PRINCIPALS = new Set(['s3.amazonaws.com', 'sns.amazonaws.com']);

export class LambdaRules {
  constructor(
    private readonly context: RuleContext,
    private readonly env: EnvSchema,
  ) {}

  lambdaFunction(resource: Obj, props: Obj, path: string): void {
    const pp = `${path}.Properties`;
    if (props['Handler'] !== REQUIRED_HANDLER)
      this.context.report(
        `${pp}.Handler`,
        `must be "${REQUIRED_HANDLER}" (the bundle exports handler from index.js), got ${describe(props['Handler'])}`,
      );
    const runtime = props['Runtime'];
    const major = typeof runtime === 'string' ? /^nodejs(\d+)\.x$/.exec(runtime)?.[1] : undefined;
    if (major === undefined || Number(major) < MIN_NODE_RUNTIME)
      this.context.report(
        `${pp}.Runtime`,
        `must be nodejs${MIN_NODE_RUNTIME}.x or newer, got ${describe(runtime)}`,
      );
    if (props['Timeout'] === undefined)
      this.context.report(
        `${pp}.Timeout`,
        'missing: the 3 s default is too short for any of these functions',
      );
    const logGroup = isObj(props['LoggingConfig']) ? props['LoggingConfig']['LogGroup'] : undefined;
    if (this.context.view.resource(refName(logGroup))?.['Type'] !== 'AWS::Logs::LogGroup')
      this.context.report(
        `${pp}.LoggingConfig.LogGroup`,
        'must Ref an AWS::Logs::LogGroup of this template (explicit retention, no logs:CreateLogGroup)',
      );
    eachValue(props['VpcConfig'], `${pp}.VpcConfig`, (vpc, vp) => checkSecurityGroups(this.context, vpc, vp));

    const marker = isObj(resource['Metadata']) ? resource['Metadata'][COMPONENT_METADATA_KEY] : undefined;
    const component = isObj(marker) ? marker['component'] : undefined;
    if (typeof component !== 'string' || !(component in this.env.variables)) {
      this.context.report(
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
          this.context.report(`${vp}.${key}`, 'reserved by Lambda; the runtime sets it');
        else if (!known.has(key))
          this.context.report(
            `${vp}.${key}`,
            `the ${component} code does not read ${key} (not in ${this.env.source[component as Component]})`,
          );
      }
    });
  }

  eventSourceMapping(props: Obj, pp: string): void {
    const queueName = getAttTarget(props['EventSourceArn']);
    const queue = this.context.view.resource(queueName);
    if (queue?.['Type'] !== 'AWS::SQS::Queue') return;
    const queueProps = isObj(queue['Properties']) ? queue['Properties'] : {};
    const responseTypes = props['FunctionResponseTypes'];
    if (!Array.isArray(responseTypes) || !responseTypes.includes('ReportBatchItemFailures'))
      this.context.report(
        `${pp}.FunctionResponseTypes`,
        'must include ReportBatchItemFailures (otherwise one bad file makes the whole batch retry)',
      );
    if (queueProps['RedrivePolicy'] === undefined)
      this.context.report(
        `Resources.${queueName}.Properties.RedrivePolicy`,
        'missing: messages that keep failing need a dead-letter queue',
      );
    eachBranch(props['ScalingConfig'], `${pp}.ScalingConfig`, (scaling, sp) => {
      const cap = isObj(scaling) ? scaling['MaximumConcurrency'] : undefined;
      if (cap === undefined) {
        this.context.report(
          `${sp}.MaximumConcurrency`,
          'missing: without a cap the queue scales the indexer to the account limit and floods the domain',
        );
        return;
      }
      const param = this.context.view.parameter(refName(cap));
      const least = param ? Number(param['MinValue']) : Number(this.context.view.scalar(cap));
      if (!(least >= MIN_QUEUE_CONCURRENCY))
        this.context.report(
          `${sp}.MaximumConcurrency`,
          `must be at least ${MIN_QUEUE_CONCURRENCY} (AWS's minimum)${param ? `: give parameter ${refName(cap)} MinValue ${MIN_QUEUE_CONCURRENCY}` : ''}`,
        );
    });
    this.visibilityTimeout(props, queueName!, queueProps);
  }

  /** Queue visibility timeout >= 6 x the function timeout, for every allowed value of the timeout parameter. */
  private visibilityTimeout(props: Obj, queueName: string, queueProps: Obj): void {
    const fn = this.context.view.resource(refName(props['FunctionName']));
    const fnProps = isObj(fn?.['Properties']) ? (fn['Properties'] as Obj) : undefined;
    if (!fnProps) return;
    const timeoutExpr = fnProps['Timeout'] ?? 3;
    const timeoutParam = refName(timeoutExpr);
    const values = timeoutParam === undefined ? [undefined] : this.context.view.parameterValues(timeoutParam);
    for (const value of values) {
      const binding = timeoutParam !== undefined && value !== undefined ? { [timeoutParam]: value } : {};
      const timeout = Number(this.context.view.scalar(timeoutExpr, binding));
      const visibility = Number(this.context.view.scalar(queueProps['VisibilityTimeout'] ?? 30, binding));
      if (!Number.isNaN(timeout) && !Number.isNaN(visibility) && visibility < 6 * timeout) {
        this.context.report(
          `Resources.${queueName}.Properties.VisibilityTimeout`,
          `${visibility} s is less than 6 x the function timeout (${timeout} s${value !== undefined ? ` when ${timeoutParam}=${value}` : ''})`,
        );
      }
    }
  }

  /** A function that S3 or SNS invokes (push modes) must have reserved concurrency whenever that trigger exists. */
  pushModeCaps(): void {
    const triggers = new Map<string, (string | undefined)[]>();
    const add = (fnValue: unknown, resource: Obj): void => {
      const fn = refName(fnValue) ?? getAttTarget(fnValue);
      if (fn !== undefined)
        triggers.set(fn, [...(triggers.get(fn) ?? []), resource['Condition'] as string | undefined]);
    };
    for (const [, resource, props] of this.context.view.ofType('AWS::Lambda::Permission'))
      if (PUSH_PRINCIPALS.has(String(props['Principal']))) add(props['FunctionName'], resource);
    for (const [, resource, props] of this.context.view.ofType('AWS::SNS::Subscription'))
      if (props['Protocol'] === 'lambda') add(props['Endpoint'], resource);
    for (const [fn, conditions] of triggers) {
      const path = `Resources.${fn}.Properties.ReservedConcurrentExecutions`;
      const value = (this.context.view.resource(fn)?.['Properties'] as Obj | undefined)?.[
        'ReservedConcurrentExecutions'
      ];
      const branch = fnIf(value);
      const capped = (condition: string | undefined): boolean =>
        value !== undefined &&
        !isNoValue(value) &&
        (branch === undefined ||
          (condition !== undefined &&
            this.context.view.implies(condition, branch.condition) &&
            !isNoValue(branch.then)));
      const uncapped = conditions.filter((c) => !capped(c));
      if (uncapped.length > 0) {
        this.context.report(
          path,
          `missing when ${uncapped.map((c) => c ?? 'always').join(', ')}: a push trigger (S3, SNS) would scale the function to the account limit and flood the domain`,
        );
      }
    }
  }
}
