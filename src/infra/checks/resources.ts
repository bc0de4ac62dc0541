// Resources: attributes, DependsOn, and properties checked against the AWS resource specification
// (types, property names, required properties, allowed values).
import {
  findResourceType,
  typeDefinition,
  type PropertyType,
  type Resource,
  type TypeDefinition,
} from '../spec.js';
import { checkConditionalTarget, conditionAttribute } from './conditions.js';
import type { ValidationContext } from './context.js';
import { checkProductRules } from './product-rules.js';
import { walk } from './references.js';
import { describe, intrinsicKey, isNoValue, isObj, suggestion, type Obj } from './util.js';

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);

export function checkResource(ctx: ValidationContext, name: string, resource: unknown): void {
  const path = `Resources.${name}`;
  if (!/^[A-Za-z0-9]+$/.test(name)) ctx.report(path, 'logical IDs must be alphanumeric');
  if (!isObj(resource)) {
    ctx.report(path, `must be a mapping, got ${describe(resource)}`);
    return;
  }
  for (const key of Object.keys(resource)) {
    if (!RESOURCE_KEYS.has(key))
      ctx.report(`${path}.${key}`, `unknown resource attribute${suggestion(key, RESOURCE_KEYS)}`);
  }
  const assumptions = conditionAttribute(ctx, resource, path);
  const dependsOn = resource['DependsOn'];
  for (const dep of Array.isArray(dependsOn) ? dependsOn : dependsOn === undefined ? [] : [dependsOn]) {
    if (typeof dep !== 'string' || !(dep in ctx.resources)) {
      ctx.report(`${path}.DependsOn`, `${JSON.stringify(dep)} is not a resource in this template`);
    } else {
      checkConditionalTarget(ctx, dep, `${path}.DependsOn`, assumptions);
    }
  }
  const type = resource['Type'];
  if (typeof type !== 'string') {
    ctx.report(`${path}.Type`, 'missing or not a string');
    return;
  }
  const props = resource['Properties'];
  if (props !== undefined) walk(ctx, props, `${path}.Properties`, assumptions, 'value');
  if (resource['Metadata'] !== undefined)
    walk(ctx, resource['Metadata'], `${path}.Metadata`, assumptions, 'value');

  if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') {
    if (!isObj(props) || props['ServiceToken'] === undefined)
      ctx.report(`${path}.Properties`, 'missing required property "ServiceToken"');
    return;
  }
  const spec = findResourceType(ctx.db, type);
  if (!spec) {
    ctx.report(`${path}.Type`, `unknown resource type "${type}"`);
    return;
  }
  if (props === undefined) {
    checkRequired(ctx, {}, spec.properties, `${path}.Properties`);
  } else {
    checkObject(ctx, props, spec.properties, `${path}.Properties`, type);
  }
  checkProductRules(ctx, resource, type, path);
}

function checkRequired(
  ctx: ValidationContext,
  value: Obj,
  props: Resource['properties'],
  path: string,
): void {
  for (const [propName, prop] of Object.entries(props)) {
    if (prop.required && !(propName in value)) ctx.report(path, `missing required property "${propName}"`);
  }
}

function checkObject(
  ctx: ValidationContext,
  value: unknown,
  props: Resource['properties'],
  path: string,
  typeName: string,
): void {
  if (intrinsicKey(value) !== undefined)
    return checkIntrinsicValue(ctx, value as Obj, path, (v, p) => checkObject(ctx, v, props, p, typeName));
  if (!isObj(value)) {
    ctx.report(path, `expected an object (${typeName}), got ${describe(value)}`);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const prop = props[key];
    if (!prop) {
      ctx.report(
        `${path}.${key}`,
        `unknown property "${key}" of ${typeName}${suggestion(key, Object.keys(props))}`,
      );
      continue;
    }
    checkValue(ctx, child, prop.type, `${path}.${key}`);
  }
  checkRequired(ctx, value, props, path);
}

/** An intrinsic where a typed value is expected: Fn::If branches are checked against the type, other
 * functions produce values we cannot know statically. */
function checkIntrinsicValue(
  ctx: ValidationContext,
  value: Obj,
  path: string,
  check: (value: unknown, path: string) => void,
): void {
  const args = value['Fn::If'];
  if (Array.isArray(args) && args.length === 3) {
    for (const [i, branch] of [args[1], args[2]].entries()) {
      if (!isNoValue(branch)) check(branch, `${path}.Fn::If[${i + 1}]`);
    }
  }
}

function checkValue(ctx: ValidationContext, value: unknown, type: PropertyType, path: string): void {
  if (intrinsicKey(value) !== undefined) {
    checkIntrinsicValue(ctx, value as Obj, path, (v, p) => checkValue(ctx, v, type, p));
    return;
  }
  switch (type.type) {
    case 'json':
    case 'null':
      return;
    case 'string':
    case 'date-time':
      if (!['string', 'number', 'boolean'].includes(typeof value))
        ctx.report(path, `expected a string, got ${describe(value)}`);
      else if (type.type === 'string' && type.allowedValues && !type.allowedValues.includes(String(value))) {
        ctx.report(path, `${JSON.stringify(value)} is not one of ${type.allowedValues.join(', ')}`);
      }
      return;
    case 'number':
    case 'integer': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : NaN;
      if (Number.isNaN(n) || (type.type === 'integer' && !Number.isInteger(n))) {
        ctx.report(
          path,
          `expected ${type.type === 'integer' ? 'an integer' : 'a number'}, got ${describe(value)}`,
        );
      } else if (type.type === 'integer' && type.allowedValues && !type.allowedValues.includes(n)) {
        ctx.report(path, `${n} is not one of ${type.allowedValues.join(', ')}`);
      }
      return;
    }
    case 'boolean':
      if (value !== true && value !== false && value !== 'true' && value !== 'false') {
        ctx.report(path, `expected a boolean, got ${describe(value)}`);
      }
      return;
    case 'tag':
      checkObject(
        ctx,
        value,
        {
          Key: { type: { type: 'string' }, required: true },
          Value: { type: { type: 'string' }, required: true },
        },
        path,
        'Tag',
      );
      return;
    case 'array':
      if (!Array.isArray(value)) {
        ctx.report(path, `expected a list, got ${describe(value)}`);
        return;
      }
      value.forEach((item, i) => {
        if (!isNoValue(item)) checkValue(ctx, item, type.element, `${path}[${i}]`);
      });
      return;
    case 'map':
      if (!isObj(value)) {
        ctx.report(path, `expected a mapping, got ${describe(value)}`);
        return;
      }
      for (const [key, item] of Object.entries(value)) {
        if (!isNoValue(item)) checkValue(ctx, item, type.element, `${path}.${key}`);
      }
      return;
    case 'ref': {
      const def: TypeDefinition = typeDefinition(ctx.db, type.reference);
      checkObject(ctx, value, def.properties, path, def.name);
      return;
    }
    case 'union': {
      // Accept the value if any member type accepts it; otherwise report against the member whose shape
      // (object / list / scalar) matches the value.
      const attempts = type.types.map((member) => {
        const saved = ctx.problems.length;
        checkValue(ctx, value, member, path);
        return { member, problems: ctx.problems.splice(saved) };
      });
      if (attempts.some((a) => a.problems.length === 0)) return;
      const shape = (t: PropertyType): string =>
        t.type === 'ref' || t.type === 'map' || t.type === 'tag'
          ? 'object'
          : t.type === 'array'
            ? 'array'
            : 'scalar';
      const valueShape = Array.isArray(value) ? 'array' : isObj(value) ? 'object' : 'scalar';
      const best = attempts.find((a) => shape(a.member) === valueShape) ?? attempts[0];
      if (best) ctx.problems.push(...best.problems);
      return;
    }
  }
}
