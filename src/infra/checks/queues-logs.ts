// SQS queues, their Lambda event source mappings, and log groups.
import type { ValidationContext } from './context.js';
import { isObj, isTrue, type Obj } from './util.js';

export function checkEventSourceMapping(ctx: ValidationContext, props: Obj, pp: string): void {
  const source = props['EventSourceArn'];
  const getAtt = isObj(source) ? source['Fn::GetAtt'] : undefined;
  const queueName = Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
  const queue = queueName === undefined ? undefined : ctx.resources[queueName];
  if (!isObj(queue) || queue['Type'] !== 'AWS::SQS::Queue') return;
  const queueProps = isObj(queue['Properties']) ? queue['Properties'] : {};
  const responseTypes = props['FunctionResponseTypes'];
  if (!Array.isArray(responseTypes) || !responseTypes.includes('ReportBatchItemFailures')) {
    ctx.report(
      `${pp}.FunctionResponseTypes`,
      'must include ReportBatchItemFailures (otherwise one bad file makes the whole batch retry)',
    );
  }
  if (queueProps['RedrivePolicy'] === undefined) {
    ctx.report(
      `Resources.${queueName}.Properties.RedrivePolicy`,
      'missing: messages that keep failing need a dead-letter queue',
    );
  }
  // Visibility timeout >= 6 x function timeout, for every allowed value of the parameters involved.
  const fnRef = isObj(props['FunctionName']) ? props['FunctionName']['Ref'] : undefined;
  const fn = typeof fnRef === 'string' ? ctx.resources[fnRef] : undefined;
  const fnProps = isObj(fn) && isObj(fn['Properties']) ? fn['Properties'] : undefined;
  if (!fnProps) return;
  const timeoutExpr = fnProps['Timeout'] ?? 3;
  const timeoutParam =
    isObj(timeoutExpr) && typeof timeoutExpr['Ref'] === 'string' ? timeoutExpr['Ref'] : undefined;
  const param = timeoutParam === undefined ? undefined : ctx.parameters[timeoutParam];
  const values =
    isObj(param) && Array.isArray(param['AllowedValues']) ? param['AllowedValues'].map(String) : [undefined];
  for (const value of values) {
    const binding = timeoutParam !== undefined && value !== undefined ? { [timeoutParam]: value } : {};
    const timeout = Number(ctx.resolveScalar(timeoutExpr, binding));
    const visibility = Number(ctx.resolveScalar(queueProps['VisibilityTimeout'] ?? 30, binding));
    if (Number.isNaN(timeout) || Number.isNaN(visibility)) continue;
    if (visibility < 6 * timeout) {
      ctx.report(
        `Resources.${queueName}.Properties.VisibilityTimeout`,
        `${visibility} s is less than 6 x the function timeout (${timeout} s${value !== undefined ? ` when ${timeoutParam}=${value}` : ''})`,
      );
    }
  }
}

export function checkQueue(ctx: ValidationContext, props: Obj, pp: string): void {
  if (!isTrue(props['SqsManagedSseEnabled']) && props['KmsMasterKeyId'] === undefined) {
    ctx.report(pp, 'queue is not encrypted: set SqsManagedSseEnabled: true or KmsMasterKeyId');
  }
}

export function checkLogGroup(ctx: ValidationContext, props: Obj, pp: string): void {
  if (props['RetentionInDays'] === undefined)
    ctx.report(pp, 'missing RetentionInDays (logs would be kept forever)');
}
