// Lambda functions: handler, runtime, log group, and environment variables against the code's schema.
import { RUNTIME_ENV_VARS } from '../env-schema.js';
import type { ValidationContext } from './context.js';
import { describe, eachValue, isObj, suggestion, type Obj } from './util.js';

/** Lambda sets these itself; a function may not override them. */
const RESERVED_LAMBDA_ENV = /^(AWS_.*|LAMBDA_.*|_HANDLER|_X_AMZN_TRACE_ID|TZ)$/;

/** Metadata key that says which of the project's Lambdas a function resource is. */
export const COMPONENT_METADATA_KEY = 'cloudtrail-opensearch';
export const REQUIRED_HANDLER = 'index.handler';
export const MIN_NODE_RUNTIME = 20;

export function checkFunction(ctx: ValidationContext, resource: Obj, props: Obj, path: string): void {
  const pp = `${path}.Properties`;
  if (props['Handler'] !== REQUIRED_HANDLER) {
    ctx.report(
      `${pp}.Handler`,
      `must be "${REQUIRED_HANDLER}" (the bundle exports handler from index.js), got ${describe(props['Handler'])}`,
    );
  }
  const runtime = props['Runtime'];
  const major = typeof runtime === 'string' ? /^nodejs(\d+)\.x$/.exec(runtime)?.[1] : undefined;
  if (major === undefined || Number(major) < MIN_NODE_RUNTIME) {
    ctx.report(`${pp}.Runtime`, `must be nodejs${MIN_NODE_RUNTIME}.x or newer, got ${describe(runtime)}`);
  }
  const logging = props['LoggingConfig'];
  const logGroup = isObj(logging) ? logging['LogGroup'] : undefined;
  const logGroupRef = isObj(logGroup) ? logGroup['Ref'] : undefined;
  const target = typeof logGroupRef === 'string' ? ctx.resources[logGroupRef] : undefined;
  if (!isObj(target) || target['Type'] !== 'AWS::Logs::LogGroup') {
    ctx.report(
      `${pp}.LoggingConfig.LogGroup`,
      'must Ref an AWS::Logs::LogGroup of this template (explicit retention, no logs:CreateLogGroup)',
    );
  }

  const metadata = resource['Metadata'];
  const marker = isObj(metadata) ? metadata[COMPONENT_METADATA_KEY] : undefined;
  const component = isObj(marker) ? marker['component'] : undefined;
  if (component !== 'indexer' && component !== 'cleanup') {
    ctx.report(
      `${path}.Metadata.${COMPONENT_METADATA_KEY}.component`,
      'must be "indexer" or "cleanup" (selects the environment schema)',
    );
    return;
  }
  const known = new Set([...ctx.env[component], ...RUNTIME_ENV_VARS]);
  const environment = props['Environment'];
  eachValue(
    isObj(environment) ? environment['Variables'] : undefined,
    `${pp}.Environment.Variables`,
    (variables, vp) => {
      if (!isObj(variables)) return;
      for (const key of Object.keys(variables)) {
        if (RESERVED_LAMBDA_ENV.test(key))
          ctx.report(`${vp}.${key}`, 'reserved by Lambda; the runtime sets it');
        else if (!known.has(key)) {
          ctx.report(
            `${vp}.${key}`,
            `the ${component} code does not read ${key} (not in ${ctx.env.source})${suggestion(key, known)}`,
          );
        }
      }
    },
  );
}

export function checkPermission(ctx: ValidationContext, props: Obj, pp: string): void {
  if (props['Principal'] === '*') ctx.report(`${pp}.Principal`, 'anyone could invoke the function');
}
