// References: every intrinsic function's targets (Ref, Fn::GetAtt, Fn::Sub, Fn::If, Fn::FindInMap).
import { findResourceType } from '../spec.js';
import { checkConditionalTarget } from './conditions.js';
import type { Assumptions, ValidationContext } from './context.js';
import { intrinsicKey, isObj, suggestion } from './util.js';

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/**
 * Walks any template value, checking every intrinsic function's targets.
 * 'condition' context (Conditions, Rules): Ref may name parameters only.
 */
export function walk(
  ctx: ValidationContext,
  value: unknown,
  path: string,
  assumptions: Assumptions,
  mode: 'value' | 'condition',
): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(ctx, item, `${path}[${i}]`, assumptions, mode));
    return;
  }
  if (!isObj(value)) return;
  const key = intrinsicKey(value);
  if (key === undefined && mode === 'condition' && Object.keys(value).length === 1 && 'Condition' in value) {
    const target = value['Condition'];
    if (typeof target !== 'string' || !(target in ctx.conditions)) {
      ctx.report(`${path}.Condition`, `condition ${JSON.stringify(target)} is not defined in Conditions`);
    }
    return;
  }
  if (key === undefined) {
    for (const [k, v] of Object.entries(value)) walk(ctx, v, `${path}.${k}`, assumptions, mode);
    return;
  }
  const args = value[key];
  const here = `${path}.${key}`;
  switch (key) {
    case 'Ref':
      if (typeof args !== 'string') ctx.report(here, 'Ref takes a name');
      else checkRef(ctx, args, here, assumptions, mode);
      return;
    case 'Fn::GetAtt': {
      const parts =
        typeof args === 'string'
          ? [args.slice(0, args.indexOf('.')), args.slice(args.indexOf('.') + 1)]
          : args;
      if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== 'string') {
        ctx.report(here, 'Fn::GetAtt takes [resource, attribute]');
        return;
      }
      if (mode === 'condition') ctx.report(here, 'Fn::GetAtt cannot be used in Conditions or Rules');
      if (typeof parts[1] === 'string') checkGetAtt(ctx, parts[0], parts[1], here, assumptions);
      else walk(ctx, parts[1], `${here}[1]`, assumptions, mode);
      return;
    }
    case 'Fn::Sub': {
      const [text, vars] = Array.isArray(args) ? [args[0], args[1]] : [args, undefined];
      if (typeof text !== 'string' || (vars !== undefined && !isObj(vars))) {
        ctx.report(here, 'Fn::Sub takes a string or [string, {variables}]');
        return;
      }
      const local = new Set(isObj(vars) ? Object.keys(vars) : []);
      if (isObj(vars)) walk(ctx, vars, `${here}[1]`, assumptions, mode);
      for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
        const name = match[1]!.trim();
        if (name.startsWith('!') || local.has(name)) continue;
        const dot = name.indexOf('.');
        if (dot > 0 && !PSEUDO_PARAMETERS.has(name))
          checkGetAtt(ctx, name.slice(0, dot), name.slice(dot + 1), here, assumptions);
        else checkRef(ctx, name, here, assumptions, mode);
      }
      return;
    }
    case 'Fn::If': {
      if (!Array.isArray(args) || args.length !== 3 || typeof args[0] !== 'string') {
        ctx.report(here, 'Fn::If takes [condition, value if true, value if false]');
        return;
      }
      const condition = args[0];
      if (!(condition in ctx.conditions)) {
        ctx.report(
          here,
          `condition "${condition}" is not defined in Conditions${suggestion(condition, Object.keys(ctx.conditions))}`,
        );
        walk(ctx, args[1], `${here}[1]`, assumptions, mode);
        walk(ctx, args[2], `${here}[2]`, assumptions, mode);
        return;
      }
      walk(ctx, args[1], `${here}[1]`, [...assumptions, [condition, true]], mode);
      walk(ctx, args[2], `${here}[2]`, [...assumptions, [condition, false]], mode);
      return;
    }
    case 'Fn::FindInMap':
      checkFindInMap(ctx, args, here);
      walk(ctx, args, here, assumptions, mode);
      return;
    default:
      walk(ctx, args, here, assumptions, mode);
  }
}

function checkRef(
  ctx: ValidationContext,
  name: string,
  path: string,
  assumptions: Assumptions,
  mode: 'value' | 'condition',
): void {
  if (PSEUDO_PARAMETERS.has(name) || name in ctx.parameters) return;
  if (mode === 'value' && name in ctx.resources) {
    checkConditionalTarget(ctx, name, path, assumptions);
    return;
  }
  const candidates = [
    ...PSEUDO_PARAMETERS,
    ...Object.keys(ctx.parameters),
    ...(mode === 'value' ? Object.keys(ctx.resources) : []),
  ];
  const what =
    mode === 'value' ? 'a parameter, resource or pseudo parameter' : 'a parameter or pseudo parameter';
  ctx.report(path, `Ref to "${name}", which is not ${what}${suggestion(name, candidates)}`);
}

function checkGetAtt(
  ctx: ValidationContext,
  resourceName: string,
  attribute: string,
  path: string,
  assumptions: Assumptions,
): void {
  const resource = ctx.resources[resourceName];
  if (!isObj(resource)) {
    ctx.report(
      path,
      `Fn::GetAtt to "${resourceName}", which is not a resource${suggestion(resourceName, Object.keys(ctx.resources))}`,
    );
    return;
  }
  checkConditionalTarget(ctx, resourceName, path, assumptions);
  const type = resource['Type'];
  if (
    typeof type !== 'string' ||
    type.startsWith('Custom::') ||
    type === 'AWS::CloudFormation::CustomResource'
  )
    return;
  if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
  const spec = findResourceType(ctx.db, type);
  if (spec && !(attribute in spec.attributes)) {
    ctx.report(
      path,
      `${type} has no attribute "${attribute}"${suggestion(attribute, Object.keys(spec.attributes))}`,
    );
  }
}

function checkFindInMap(ctx: ValidationContext, args: unknown, path: string): void {
  if (!Array.isArray(args) || args.length < 3) {
    ctx.report(path, 'Fn::FindInMap takes [map, top-level key, second-level key]');
    return;
  }
  const [mapName, topKey, secondKey] = args as unknown[];
  if (typeof mapName !== 'string') return;
  const map = ctx.mappings[mapName];
  if (!isObj(map)) {
    ctx.report(path, `mapping "${mapName}" is not defined in Mappings`);
    return;
  }
  // A top-level key taken from a parameter must exist for every value the parameter allows.
  let topKeys: string[] | undefined;
  if (typeof topKey === 'string' || typeof topKey === 'number') topKeys = [String(topKey)];
  else if (isObj(topKey) && typeof topKey['Ref'] === 'string') {
    const param = ctx.parameters[topKey['Ref']];
    if (isObj(param) && Array.isArray(param['AllowedValues'])) topKeys = param['AllowedValues'].map(String);
    else if (isObj(param))
      ctx.report(
        path,
        `the key comes from parameter "${topKey['Ref']}", which needs AllowedValues matching the mapping's keys`,
      );
  }
  for (const k of topKeys ?? []) {
    const row = map[k];
    if (!isObj(row)) ctx.report(path, `mapping "${mapName}" has no key "${k}"`);
    else if (typeof secondKey === 'string' && !(secondKey in row))
      ctx.report(path, `mapping "${mapName}.${k}" has no key "${secondKey}"`);
  }
}
