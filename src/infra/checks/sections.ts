// Template sections other than Resources: top-level keys, Parameters, Mappings, Conditions, Rules, Outputs.
import { conditionAttribute, conditionDependsOn } from './conditions.js';
import type { ValidationContext } from './context.js';
import { walk } from './references.js';
import { describe, isObj, suggestion } from './util.js';

const TOP_LEVEL_KEYS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);
const PARAMETER_KEYS = new Set([
  'Type',
  'Default',
  'Description',
  'AllowedValues',
  'AllowedPattern',
  'ConstraintDescription',
  'MaxLength',
  'MinLength',
  'MaxValue',
  'MinValue',
  'NoEcho',
]);
const OUTPUT_KEYS = new Set(['Value', 'Description', 'Export', 'Condition']);
const PLAIN_PARAMETER_TYPES = new Set(['String', 'Number', 'List<Number>', 'CommaDelimitedList']);

export function checkTopLevel(ctx: ValidationContext): void {
  for (const key of Object.keys(ctx.template)) {
    if (!TOP_LEVEL_KEYS.has(key))
      ctx.report(key, `unknown top-level section${suggestion(key, TOP_LEVEL_KEYS)}`);
  }
  if (Object.keys(ctx.resources).length === 0)
    ctx.report('Resources', 'a template needs at least one resource');
}

export function checkParameters(ctx: ValidationContext): void {
  for (const [name, param] of Object.entries(ctx.parameters)) {
    const path = `Parameters.${name}`;
    if (ctx.resources[name] !== undefined) ctx.report(path, 'a parameter and a resource share this name');
    if (!isObj(param)) {
      ctx.report(path, `must be a mapping, got ${describe(param)}`);
      continue;
    }
    for (const key of Object.keys(param)) {
      if (!PARAMETER_KEYS.has(key))
        ctx.report(`${path}.${key}`, `unknown parameter attribute${suggestion(key, PARAMETER_KEYS)}`);
    }
    const type = param['Type'];
    if (typeof type !== 'string') {
      ctx.report(`${path}.Type`, 'missing or not a string');
      continue;
    }
    if (!PLAIN_PARAMETER_TYPES.has(type) && !/^(List<)?AWS::[A-Za-z0-9:]+>?$/.test(type)) {
      ctx.report(`${path}.Type`, `unknown parameter type "${type}"`);
    }
    const def = param['Default'];
    if (def === undefined) continue;
    const defaults =
      type === 'CommaDelimitedList' || type.startsWith('List<') ? String(def).split(',') : [String(def)];
    const allowed = param['AllowedValues'];
    if (Array.isArray(allowed) && !allowed.map(String).includes(String(def))) {
      ctx.report(`${path}.Default`, `${JSON.stringify(def)} is not one of AllowedValues`);
    }
    const pattern = param['AllowedPattern'];
    if (
      typeof pattern === 'string' &&
      type === 'String' &&
      !new RegExp(`^(?:${pattern})$`).test(String(def))
    ) {
      ctx.report(`${path}.Default`, `${JSON.stringify(def)} does not match AllowedPattern`);
    }
    if (type === 'Number') {
      for (const d of defaults) {
        const n = Number(d);
        if (d.trim() === '' || Number.isNaN(n))
          ctx.report(`${path}.Default`, `${JSON.stringify(def)} is not a number`);
        if (typeof param['MinValue'] === 'number' && n < param['MinValue'])
          ctx.report(`${path}.Default`, 'is below MinValue');
        if (typeof param['MaxValue'] === 'number' && n > param['MaxValue'])
          ctx.report(`${path}.Default`, 'is above MaxValue');
      }
    }
  }
}

export function checkMappings(ctx: ValidationContext): void {
  for (const [name, map] of Object.entries(ctx.mappings)) {
    if (!isObj(map) || !Object.values(map).every(isObj)) {
      ctx.report(`Mappings.${name}`, 'must be a two-level mapping');
    }
  }
}

export function checkConditions(ctx: ValidationContext): void {
  for (const [name, expr] of Object.entries(ctx.conditions)) {
    walk(ctx, expr, `Conditions.${name}`, [], 'condition');
    if (conditionDependsOn(ctx, name, new Set()))
      ctx.report(`Conditions.${name}`, 'refers to itself (circular)');
  }
}

export function checkRules(ctx: ValidationContext): void {
  for (const [name, rule] of Object.entries(ctx.section('Rules'))) {
    walk(ctx, rule, `Rules.${name}`, [], 'condition');
  }
}

export function checkOutputs(ctx: ValidationContext): void {
  for (const [name, output] of Object.entries(ctx.section('Outputs'))) {
    const path = `Outputs.${name}`;
    if (!isObj(output)) {
      ctx.report(path, `must be a mapping, got ${describe(output)}`);
      continue;
    }
    for (const key of Object.keys(output)) {
      if (!OUTPUT_KEYS.has(key))
        ctx.report(`${path}.${key}`, `unknown output attribute${suggestion(key, OUTPUT_KEYS)}`);
    }
    if (!('Value' in output)) ctx.report(path, 'missing Value');
    const assumptions = conditionAttribute(ctx, output, path);
    for (const key of ['Value', 'Export'] as const) {
      if (key in output) walk(ctx, output[key], `${path}.${key}`, assumptions, 'value');
    }
  }
}
