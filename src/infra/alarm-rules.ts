// The product rules for CloudWatch alarms (run with the others by product-rules.ts). An alarm must tell
// someone: its AlarmActions include an SNS topic. An alarm on one of the product's own metrics (namespace
// CloudTrailOpenSearch) must be able to see data: the code emits that metric, under the service name of the
// function that emits it, and the alarm exists only when that function and the feature behind the metric do.
// Each of these mistakes leaves an alarm that stays OK through the outage it was written for.
import type { MetricName } from '../observability/telemetry.js';
import { COMPONENT_METADATA_KEY, type Component } from './env-schema.js';
import type { Problem } from './product-rules.js';
import {
  eachBranch,
  eachValue,
  fnIf,
  isNoValue,
  isObj,
  refName,
  textOf,
  TemplateView,
  type Obj,
} from './template-values.js';

/** The namespace the Lambdas' metrics go to (Powertools' POWERTOOLS_METRICS_NAMESPACE, also its default). */
export const METRICS_NAMESPACE = 'CloudTrailOpenSearch';

interface MetricSource {
  readonly component: Component;
  /** The code emits the metric only when one of these variables is set on the function. */
  readonly featureVars?: readonly string[];
}

const INDEXER: MetricSource = { component: 'indexer' };
const CLEANUP: MetricSource = { component: 'cleanup' };
const AUDIT: MetricSource = { component: 'audit' };
const QUERY_API: MetricSource = { component: 'query-api' };
const KINESIS: MetricSource = { component: 'indexer', featureVars: ['KINESIS_STREAM'] };
const ALERTS: MetricSource = {
  component: 'indexer',
  featureVars: ['ALERT_SLACK_WEBHOOK_SECRET', 'ALERT_SNS_TOPIC_ARN'],
};

/** Which Lambda emits each metric. A Record over MetricName, so a new metric does not compile without one. */
export const METRIC_SOURCES: Readonly<Record<MetricName, MetricSource>> = {
  RecordsRead: INDEXER,
  RecordsIndexed: INDEXER,
  RecordsDuplicate: INDEXER,
  RecordsHealed: INDEXER,
  RecordsDeadLettered: INDEXER,
  RecordsUndelivered: INDEXER,
  FilesIndexed: INDEXER,
  FilesSkipped: INDEXER,
  FilesFailed: INDEXER,
  BulkRetries: INDEXER,
  IndexingLagSeconds: INDEXER,
  IndicesDeleted: CLEANUP,
  IndicesKept: CLEANUP,
  IndicesSkipped: CLEANUP,
  DeleteFailures: CLEANUP,
  ShardBudgetWarning: CLEANUP,
  KinesisRecordsPut: KINESIS,
  KinesisRecordsFailed: KINESIS,
  KinesisRecordsDeadLettered: KINESIS,
  KinesisThrottles: KINESIS,
  AuditMissingFiles: AUDIT,
  AuditHashMismatches: AUDIT,
  AuditChainGaps: AUDIT,
  AuditFindings: AUDIT,
  AlertsMatched: ALERTS,
  AlertsSent: ALERTS,
  AlertsFailed: ALERTS,
  QueryApiRequests: QUERY_API,
  QueryApiRefused: QUERY_API,
  QueryApiFailed: QUERY_API,
};

/** The function resources of a template by the component their Metadata names. */
type Functions = Map<string, { name: string; resource: Obj; variables: Obj }>;

export function checkAlarms(view: TemplateView): Problem[] {
  const functions: Functions = new Map();
  for (const [name, resource, props] of view.ofType('AWS::Lambda::Function')) {
    const marker = isObj(resource['Metadata']) ? resource['Metadata'][COMPONENT_METADATA_KEY] : undefined;
    const component = isObj(marker) ? marker['component'] : undefined;
    const environment = isObj(props['Environment']) ? props['Environment']['Variables'] : undefined;
    if (typeof component === 'string' && !functions.has(component))
      functions.set(component, { name, resource, variables: isObj(environment) ? environment : {} });
  }
  const problems: Problem[] = [];
  for (const [name, resource, props] of view.ofType('AWS::CloudWatch::Alarm')) {
    const report = (path: string, message: string) =>
      problems.push({ path: `Resources.${name}${path}`, message });
    if (!notifies(view, props['AlarmActions']))
      report(
        '.Properties.AlarmActions',
        'notifies nobody: add the alarm topic (an SNS topic resource or a topic ARN parameter)',
      );
    if (props['Namespace'] === METRICS_NAMESPACE) productMetric(view, functions, resource, props, report);
  }
  return problems;
}

/** True when, in every branch, one of the actions is an SNS topic: a topic resource, a parameter or an ARN. */
function notifies(view: TemplateView, actions: unknown): boolean {
  let everyBranch = true;
  eachBranch(actions, '', (list) => {
    if (!Array.isArray(list) || !list.some((action) => isTopic(view, action))) everyBranch = false;
  });
  return everyBranch;
}

function isTopic(view: TemplateView, action: unknown): boolean {
  const branches: unknown[] = [];
  eachValue(action, '', (value) => branches.push(value));
  return (
    branches.length > 0 &&
    branches.every((value) => {
      const ref = refName(value);
      if (ref !== undefined)
        return view.resource(ref)?.['Type'] === 'AWS::SNS::Topic' || view.parameter(ref) !== undefined;
      return /^arn:[^:]+:sns:/.test(textOf(value) ?? '');
    })
  );
}

function productMetric(
  view: TemplateView,
  functions: Functions,
  alarm: Obj,
  props: Obj,
  report: (path: string, message: string) => void,
): void {
  const metric = props['MetricName'];
  const source =
    typeof metric === 'string' && Object.hasOwn(METRIC_SOURCES, metric)
      ? METRIC_SOURCES[metric as MetricName]
      : undefined;
  if (source === undefined) {
    report(
      '.Properties.MetricName',
      `the code emits no ${METRICS_NAMESPACE} metric ${JSON.stringify(metric)} (the names are in src/observability/telemetry.ts): the alarm would never see data`,
    );
    return;
  }
  const fn = functions.get(source.component);
  if (fn === undefined) {
    report(
      '.Properties.MetricName',
      `${metric} comes from the ${source.component} function, which this template lacks`,
    );
    return;
  }
  const service = dimension(props['Dimensions'], 'service');
  const expected = fn.variables['POWERTOOLS_SERVICE_NAME'];
  if (expected === undefined || JSON.stringify(service) !== JSON.stringify(expected))
    report(
      '.Properties.Dimensions',
      `the service dimension must be ${fn.name}'s POWERTOOLS_SERVICE_NAME (${show(expected)}), the name its metrics carry; got ${show(service)}`,
    );
  const namespace = fn.variables['POWERTOOLS_METRICS_NAMESPACE'];
  if (namespace !== undefined && namespace !== METRICS_NAMESPACE)
    report(
      '.Properties.Namespace',
      `${fn.name} sends its metrics to ${show(namespace)}, not ${METRICS_NAMESPACE}`,
    );

  const condition = typeof alarm['Condition'] === 'string' ? alarm['Condition'] : undefined;
  const fnCondition = fn.resource['Condition'];
  if (typeof fnCondition === 'string' && !impliesAny(view, condition, [fnCondition]))
    report(
      '.Condition',
      `must imply ${fnCondition}: ${fn.name} exists only then (got ${condition ?? 'none'})`,
    );
  if (source.featureVars === undefined) return;
  const gates = source.featureVars.map((name) => gateOf(fn.variables[name]));
  if (gates.includes('always')) return;
  const conditions = gates.filter((g): g is string => g !== 'never');
  const vars = source.featureVars.join(' or ');
  if (conditions.length === 0)
    report('.Properties.MetricName', `${fn.name} never sets ${vars}, so the code never emits ${metric}`);
  else if (!impliesAny(view, condition, conditions))
    report(
      '.Condition',
      `${metric} is emitted only when ${fn.name} has ${vars} (condition ${conditions.join(' or ')}); the alarm exists when ${condition ?? 'always'}`,
    );
}

/** When a function variable is set: always, never, or under the condition of its Fn::If. */
function gateOf(value: unknown): 'always' | 'never' | string {
  if (value === undefined || isNoValue(value)) return 'never';
  const branch = fnIf(value);
  if (branch === undefined) return 'always';
  if (isNoValue(branch.otherwise)) return branch.condition;
  return isNoValue(branch.then) ? 'never' : 'always';
}

/** True when `condition` holding means one of `targets` holds (through Fn::And and Fn::Or of conditions). */
function impliesAny(view: TemplateView, condition: string | undefined, targets: readonly string[]): boolean {
  if (condition === undefined) return false;
  if (targets.some((target) => view.implies(condition, target))) return true;
  const definition = view.conditions[condition];
  const terms = (key: string): (string | undefined)[] => {
    const list = isObj(definition) ? definition[key] : undefined;
    if (!Array.isArray(list)) return [];
    return list.map((term) =>
      isObj(term) && typeof term['Condition'] === 'string' ? term['Condition'] : undefined,
    );
  };
  if (terms('Fn::And').some((term) => impliesAny(view, term, targets))) return true;
  const or = terms('Fn::Or');
  return or.length > 0 && or.every((term) => impliesAny(view, term, targets));
}

function dimension(dimensions: unknown, name: string): unknown {
  if (!Array.isArray(dimensions)) return undefined;
  const found = dimensions.find((d) => isObj(d) && d['Name'] === name);
  return isObj(found) ? found['Value'] : undefined;
}

function show(value: unknown): string {
  return value === undefined ? 'none' : (textOf(value) ?? JSON.stringify(value));
}
