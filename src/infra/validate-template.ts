// Static checks for cloudformation.yml, run before every deploy and in the test suite:
//  - structure and references: resource types, property names and required properties from the AWS
//    resource specification; Ref / GetAtt / Sub / FindInMap / Condition targets; references to conditional
//    resources only where their condition is known to hold;
//  - security and product rules: least-privilege IAM, a locked-down OpenSearch domain, the Lambda handler,
//    runtime and environment variables the code actually reads, queue settings for the SQS trigger.
// Each problem names the template path it concerns, e.g. "Resources.IndexerFunction.Properties.Handler".
// The checks live in ./checks/, one module per family; this module runs them in template order.
import type { EnvSchema } from './env-schema.js';
import type { SpecDatabase } from './spec.js';
import { collectAtomLiterals } from './checks/conditions.js';
import { ValidationContext, type Problem } from './checks/context.js';
import { checkResource } from './checks/resources.js';
import {
  checkConditions,
  checkMappings,
  checkOutputs,
  checkParameters,
  checkRules,
  checkTopLevel,
} from './checks/sections.js';
import { describe, isObj } from './checks/util.js';

export type { Problem } from './checks/context.js';
export { STAR_RESOURCE_ACTIONS } from './checks/iam.js';
export { COMPONENT_METADATA_KEY, MIN_NODE_RUNTIME, REQUIRED_HANDLER } from './checks/lambda.js';

export function formatProblem(problem: Problem): string {
  return `${problem.path}: ${problem.message}`;
}

/** All problems found in a parsed template (see parseCfnYaml), in template order. */
export function validateTemplate(template: unknown, db: SpecDatabase, env: EnvSchema): Problem[] {
  if (!isObj(template))
    return [{ path: '(template)', message: `must be a mapping, got ${describe(template)}` }];
  const ctx = new ValidationContext(template, db, env);
  checkTopLevel(ctx);
  collectAtomLiterals(ctx);
  checkParameters(ctx);
  checkMappings(ctx);
  checkConditions(ctx);
  checkRules(ctx);
  for (const [name, resource] of Object.entries(ctx.resources)) checkResource(ctx, name, resource);
  checkOutputs(ctx);
  return ctx.problems;
}
