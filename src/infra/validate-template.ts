// Static checks for cloudformation.yml, run before every deploy and in the test suite:
//  - structure and references: resource types, property names and required properties from the AWS
//    resource specification; Ref / GetAtt / Sub / FindInMap / Condition targets; references to conditional
//    resources only where their condition is known to hold;
//  - security and product rules: least-privilege IAM, a locked-down OpenSearch domain, the Lambda handler,
//    runtime and environment variables the code actually reads, queue settings for the SQS trigger.
// Each problem names the template path it concerns, e.g. "Resources.IndexerFunction.Properties.Handler".
import type { EnvSchema } from './env-schema.js';
import { POWERTOOLS_ENV_VARS } from './env-schema.js';
import {
  findResourceType,
  typeDefinition,
  type PropertyType,
  type Resource,
  type SpecDatabase,
  type TypeDefinition,
} from './spec.js';

export interface Problem {
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: Problem): string {
  return `${problem.path}: ${problem.message}`;
}

type Obj = Record<string, unknown>;

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

/** Actions AWS authorizes only against Resource "*"; the only ones allowed there. Lambda needs these to
 * attach functions to a VPC. */
export const STAR_RESOURCE_ACTIONS: ReadonlySet<string> = new Set([
  'ec2:createnetworkinterface',
  'ec2:describenetworkinterfaces',
  'ec2:describesubnets',
  'ec2:deletenetworkinterface',
  'ec2:assignprivateipaddresses',
  'ec2:unassignprivateipaddresses',
]);

/** Lambda sets these itself; a function may not override them. */
const RESERVED_LAMBDA_ENV = /^(AWS_.*|LAMBDA_.*|_HANDLER|_X_AMZN_TRACE_ID|TZ)$/;

/** Metadata key that says which of the project's Lambdas a function resource is. */
export const COMPONENT_METADATA_KEY = 'cloudtrail-opensearch';
export const REQUIRED_HANDLER = 'index.handler';
export const MIN_NODE_RUNTIME = 20;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The single key of an intrinsic function object ({ Ref: x } / { 'Fn::X': ... }), if it is one. */
function intrinsicKey(value: unknown): string | undefined {
  if (!isObj(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}

function isNoValue(value: unknown): boolean {
  return isObj(value) && value['Ref'] === 'AWS::NoValue' && Object.keys(value).length === 1;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (isObj(value)) return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diag + cost);
      diag = above;
    }
  }
  return row[b.length]!;
}

function suggestion(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4))
    ? ` (did you mean "${best}"?)`
    : '';
}

/** Assumptions about conditions that hold where a value is evaluated: the enclosing resource's or output's
 * Condition and the branches of enclosing Fn::If. */
type Assumptions = ReadonlyArray<readonly [condition: string, holds: boolean]>;

const OTHER_VALUE = '\u0000other';
const MAX_SCENARIOS = 50_000;

class TemplateValidator {
  private readonly problems: Problem[] = [];
  private readonly parameters: Obj;
  private readonly resources: Obj;
  private readonly conditions: Obj;
  private readonly mappings: Obj;
  /** Literal values each condition atom is compared with, for enumerating scenarios. */
  private readonly atomLiterals = new Map<string, Set<string>>();

  constructor(
    private readonly template: Obj,
    private readonly db: SpecDatabase,
    private readonly env: EnvSchema,
  ) {
    this.parameters = this.section('Parameters');
    this.resources = this.section('Resources');
    this.conditions = this.section('Conditions');
    this.mappings = this.section('Mappings');
  }

  private section(name: string): Obj {
    const value = this.template[name];
    if (value === undefined) return {};
    if (!isObj(value)) {
      this.report(name, `must be a mapping, got ${describe(value)}`);
      return {};
    }
    return value;
  }

  report(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  run(): Problem[] {
    for (const key of Object.keys(this.template)) {
      if (!TOP_LEVEL_KEYS.has(key))
        this.report(key, `unknown top-level section${suggestion(key, TOP_LEVEL_KEYS)}`);
    }
    if (Object.keys(this.resources).length === 0)
      this.report('Resources', 'a template needs at least one resource');
    this.collectAtomLiterals();
    this.checkParameters();
    this.checkMappings();
    this.checkConditions();
    this.checkRules();
    for (const [name, resource] of Object.entries(this.resources)) this.checkResource(name, resource);
    this.checkOutputs();
    return this.problems;
  }

  // ------------------------------------------------------------------ sections

  private checkParameters(): void {
    for (const [name, param] of Object.entries(this.parameters)) {
      const path = `Parameters.${name}`;
      if (this.resources[name] !== undefined) this.report(path, 'a parameter and a resource share this name');
      if (!isObj(param)) {
        this.report(path, `must be a mapping, got ${describe(param)}`);
        continue;
      }
      for (const key of Object.keys(param)) {
        if (!PARAMETER_KEYS.has(key))
          this.report(`${path}.${key}`, `unknown parameter attribute${suggestion(key, PARAMETER_KEYS)}`);
      }
      const type = param['Type'];
      if (typeof type !== 'string') {
        this.report(`${path}.Type`, 'missing or not a string');
        continue;
      }
      if (!PLAIN_PARAMETER_TYPES.has(type) && !/^(List<)?AWS::[A-Za-z0-9:]+>?$/.test(type)) {
        this.report(`${path}.Type`, `unknown parameter type "${type}"`);
      }
      const def = param['Default'];
      if (def === undefined) continue;
      const defaults =
        type === 'CommaDelimitedList' || type.startsWith('List<') ? String(def).split(',') : [String(def)];
      const allowed = param['AllowedValues'];
      if (Array.isArray(allowed) && !allowed.map(String).includes(String(def))) {
        this.report(`${path}.Default`, `${JSON.stringify(def)} is not one of AllowedValues`);
      }
      const pattern = param['AllowedPattern'];
      if (
        typeof pattern === 'string' &&
        type === 'String' &&
        !new RegExp(`^(?:${pattern})$`).test(String(def))
      ) {
        this.report(`${path}.Default`, `${JSON.stringify(def)} does not match AllowedPattern`);
      }
      if (type === 'Number') {
        for (const d of defaults) {
          const n = Number(d);
          if (d.trim() === '' || Number.isNaN(n))
            this.report(`${path}.Default`, `${JSON.stringify(def)} is not a number`);
          if (typeof param['MinValue'] === 'number' && n < param['MinValue'])
            this.report(`${path}.Default`, 'is below MinValue');
          if (typeof param['MaxValue'] === 'number' && n > param['MaxValue'])
            this.report(`${path}.Default`, 'is above MaxValue');
        }
      }
    }
  }

  private checkMappings(): void {
    for (const [name, map] of Object.entries(this.mappings)) {
      if (!isObj(map) || !Object.values(map).every(isObj)) {
        this.report(`Mappings.${name}`, 'must be a two-level mapping');
      }
    }
  }

  private checkConditions(): void {
    for (const [name, expr] of Object.entries(this.conditions)) {
      this.walk(expr, `Conditions.${name}`, [], 'condition');
      if (this.conditionDependsOn(name, new Set()))
        this.report(`Conditions.${name}`, 'refers to itself (circular)');
    }
  }

  private conditionDependsOn(name: string, seen: Set<string>): boolean {
    if (seen.has(name)) return true;
    const next = new Set(seen).add(name);
    const refs: string[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (isObj(value)) {
        if (typeof value['Condition'] === 'string') refs.push(value['Condition']);
        Object.values(value).forEach(collect);
      }
    };
    collect(this.conditions[name]);
    return refs.some((r) => r in this.conditions && this.conditionDependsOn(r, next));
  }

  private checkRules(): void {
    for (const [name, rule] of Object.entries(this.section('Rules'))) {
      this.walk(rule, `Rules.${name}`, [], 'condition');
    }
  }

  private checkOutputs(): void {
    for (const [name, output] of Object.entries(this.section('Outputs'))) {
      const path = `Outputs.${name}`;
      if (!isObj(output)) {
        this.report(path, `must be a mapping, got ${describe(output)}`);
        continue;
      }
      for (const key of Object.keys(output)) {
        if (!OUTPUT_KEYS.has(key))
          this.report(`${path}.${key}`, `unknown output attribute${suggestion(key, OUTPUT_KEYS)}`);
      }
      if (!('Value' in output)) this.report(path, 'missing Value');
      const assumptions = this.conditionAttribute(output, path);
      for (const key of ['Value', 'Export'] as const) {
        if (key in output) this.walk(output[key], `${path}.${key}`, assumptions, 'value');
      }
    }
  }

  /** Validates a resource's or output's Condition attribute; returns it as an assumption. */
  private conditionAttribute(holder: Obj, path: string): Assumptions {
    const condition = holder['Condition'];
    if (condition === undefined) return [];
    if (typeof condition !== 'string' || !(condition in this.conditions)) {
      this.report(`${path}.Condition`, `condition ${JSON.stringify(condition)} is not defined in Conditions`);
      return [];
    }
    return [[condition, true]];
  }

  private checkResource(name: string, resource: unknown): void {
    const path = `Resources.${name}`;
    if (!/^[A-Za-z0-9]+$/.test(name)) this.report(path, 'logical IDs must be alphanumeric');
    if (!isObj(resource)) {
      this.report(path, `must be a mapping, got ${describe(resource)}`);
      return;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key))
        this.report(`${path}.${key}`, `unknown resource attribute${suggestion(key, RESOURCE_KEYS)}`);
    }
    const assumptions = this.conditionAttribute(resource, path);
    const dependsOn = resource['DependsOn'];
    for (const dep of Array.isArray(dependsOn) ? dependsOn : dependsOn === undefined ? [] : [dependsOn]) {
      if (typeof dep !== 'string' || !(dep in this.resources)) {
        this.report(`${path}.DependsOn`, `${JSON.stringify(dep)} is not a resource in this template`);
      } else {
        this.checkConditionalTarget(dep, `${path}.DependsOn`, assumptions);
      }
    }
    const type = resource['Type'];
    if (typeof type !== 'string') {
      this.report(`${path}.Type`, 'missing or not a string');
      return;
    }
    const props = resource['Properties'];
    if (props !== undefined) this.walk(props, `${path}.Properties`, assumptions, 'value');
    if (resource['Metadata'] !== undefined)
      this.walk(resource['Metadata'], `${path}.Metadata`, assumptions, 'value');

    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') {
      if (!isObj(props) || props['ServiceToken'] === undefined)
        this.report(`${path}.Properties`, 'missing required property "ServiceToken"');
      return;
    }
    const spec = findResourceType(this.db, type);
    if (!spec) {
      this.report(`${path}.Type`, `unknown resource type "${type}"`);
      return;
    }
    if (props === undefined) {
      this.checkRequired({}, spec.properties, `${path}.Properties`);
    } else {
      this.checkObject(props, spec.properties, `${path}.Properties`, type);
    }
    this.checkProductRules(resource, type, path);
  }

  // ------------------------------------------------------------------ spec types

  private checkRequired(value: Obj, props: Resource['properties'], path: string): void {
    for (const [propName, prop] of Object.entries(props)) {
      if (prop.required && !(propName in value)) this.report(path, `missing required property "${propName}"`);
    }
  }

  private checkObject(value: unknown, props: Resource['properties'], path: string, typeName: string): void {
    if (intrinsicKey(value) !== undefined)
      return this.checkIntrinsicValue(value as Obj, path, (v, p) => this.checkObject(v, props, p, typeName));
    if (!isObj(value)) {
      this.report(path, `expected an object (${typeName}), got ${describe(value)}`);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const prop = props[key];
      if (!prop) {
        this.report(
          `${path}.${key}`,
          `unknown property "${key}" of ${typeName}${suggestion(key, Object.keys(props))}`,
        );
        continue;
      }
      this.checkValue(child, prop.type, `${path}.${key}`);
    }
    this.checkRequired(value, props, path);
  }

  /** An intrinsic where a typed value is expected: Fn::If branches are checked against the type, other
   * functions produce values we cannot know statically. */
  private checkIntrinsicValue(value: Obj, path: string, check: (value: unknown, path: string) => void): void {
    const args = value['Fn::If'];
    if (Array.isArray(args) && args.length === 3) {
      for (const [i, branch] of [args[1], args[2]].entries()) {
        if (!isNoValue(branch)) check(branch, `${path}.Fn::If[${i + 1}]`);
      }
    }
  }

  private checkValue(value: unknown, type: PropertyType, path: string): void {
    if (intrinsicKey(value) !== undefined) {
      this.checkIntrinsicValue(value as Obj, path, (v, p) => this.checkValue(v, type, p));
      return;
    }
    switch (type.type) {
      case 'json':
      case 'null':
        return;
      case 'string':
      case 'date-time':
        if (!['string', 'number', 'boolean'].includes(typeof value))
          this.report(path, `expected a string, got ${describe(value)}`);
        else if (
          type.type === 'string' &&
          type.allowedValues &&
          !type.allowedValues.includes(String(value))
        ) {
          this.report(path, `${JSON.stringify(value)} is not one of ${type.allowedValues.join(', ')}`);
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
          this.report(
            path,
            `expected ${type.type === 'integer' ? 'an integer' : 'a number'}, got ${describe(value)}`,
          );
        } else if (type.type === 'integer' && type.allowedValues && !type.allowedValues.includes(n)) {
          this.report(path, `${n} is not one of ${type.allowedValues.join(', ')}`);
        }
        return;
      }
      case 'boolean':
        if (value !== true && value !== false && value !== 'true' && value !== 'false') {
          this.report(path, `expected a boolean, got ${describe(value)}`);
        }
        return;
      case 'tag':
        this.checkObject(
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
          this.report(path, `expected a list, got ${describe(value)}`);
          return;
        }
        value.forEach((item, i) => {
          if (!isNoValue(item)) this.checkValue(item, type.element, `${path}[${i}]`);
        });
        return;
      case 'map':
        if (!isObj(value)) {
          this.report(path, `expected a mapping, got ${describe(value)}`);
          return;
        }
        for (const [key, item] of Object.entries(value)) {
          if (!isNoValue(item)) this.checkValue(item, type.element, `${path}.${key}`);
        }
        return;
      case 'ref': {
        const def: TypeDefinition = typeDefinition(this.db, type.reference);
        this.checkObject(value, def.properties, path, def.name);
        return;
      }
      case 'union': {
        // Accept the value if any member type accepts it; otherwise report against the member whose shape
        // (object / list / scalar) matches the value.
        const attempts = type.types.map((member) => {
          const saved = this.problems.length;
          this.checkValue(value, member, path);
          return { member, problems: this.problems.splice(saved) };
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
        if (best) this.problems.push(...best.problems);
        return;
      }
    }
  }

  // ------------------------------------------------------------------ references

  /**
   * Walks any template value, checking every intrinsic function's targets.
   * 'condition' context (Conditions, Rules): Ref may name parameters only.
   */
  private walk(value: unknown, path: string, assumptions: Assumptions, mode: 'value' | 'condition'): void {
    if (Array.isArray(value)) {
      value.forEach((item, i) => this.walk(item, `${path}[${i}]`, assumptions, mode));
      return;
    }
    if (!isObj(value)) return;
    const key = intrinsicKey(value);
    if (
      key === undefined &&
      mode === 'condition' &&
      Object.keys(value).length === 1 &&
      'Condition' in value
    ) {
      const target = value['Condition'];
      if (typeof target !== 'string' || !(target in this.conditions)) {
        this.report(`${path}.Condition`, `condition ${JSON.stringify(target)} is not defined in Conditions`);
      }
      return;
    }
    if (key === undefined) {
      for (const [k, v] of Object.entries(value)) this.walk(v, `${path}.${k}`, assumptions, mode);
      return;
    }
    const args = value[key];
    const here = `${path}.${key}`;
    switch (key) {
      case 'Ref':
        if (typeof args !== 'string') this.report(here, 'Ref takes a name');
        else this.checkRef(args, here, assumptions, mode);
        return;
      case 'Fn::GetAtt': {
        const parts =
          typeof args === 'string'
            ? [args.slice(0, args.indexOf('.')), args.slice(args.indexOf('.') + 1)]
            : args;
        if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== 'string') {
          this.report(here, 'Fn::GetAtt takes [resource, attribute]');
          return;
        }
        if (mode === 'condition') this.report(here, 'Fn::GetAtt cannot be used in Conditions or Rules');
        if (typeof parts[1] === 'string') this.checkGetAtt(parts[0], parts[1], here, assumptions);
        else this.walk(parts[1], `${here}[1]`, assumptions, mode);
        return;
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(args) ? [args[0], args[1]] : [args, undefined];
        if (typeof text !== 'string' || (vars !== undefined && !isObj(vars))) {
          this.report(here, 'Fn::Sub takes a string or [string, {variables}]');
          return;
        }
        const local = new Set(isObj(vars) ? Object.keys(vars) : []);
        if (isObj(vars)) this.walk(vars, `${here}[1]`, assumptions, mode);
        for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
          const name = match[1]!.trim();
          if (name.startsWith('!') || local.has(name)) continue;
          const dot = name.indexOf('.');
          if (dot > 0 && !PSEUDO_PARAMETERS.has(name))
            this.checkGetAtt(name.slice(0, dot), name.slice(dot + 1), here, assumptions);
          else this.checkRef(name, here, assumptions, mode);
        }
        return;
      }
      case 'Fn::If': {
        if (!Array.isArray(args) || args.length !== 3 || typeof args[0] !== 'string') {
          this.report(here, 'Fn::If takes [condition, value if true, value if false]');
          return;
        }
        const condition = args[0];
        if (!(condition in this.conditions)) {
          this.report(
            here,
            `condition "${condition}" is not defined in Conditions${suggestion(condition, Object.keys(this.conditions))}`,
          );
          this.walk(args[1], `${here}[1]`, assumptions, mode);
          this.walk(args[2], `${here}[2]`, assumptions, mode);
          return;
        }
        this.walk(args[1], `${here}[1]`, [...assumptions, [condition, true]], mode);
        this.walk(args[2], `${here}[2]`, [...assumptions, [condition, false]], mode);
        return;
      }
      case 'Fn::FindInMap':
        this.checkFindInMap(args, here);
        this.walk(args, here, assumptions, mode);
        return;
      default:
        this.walk(args, here, assumptions, mode);
    }
  }

  private checkRef(name: string, path: string, assumptions: Assumptions, mode: 'value' | 'condition'): void {
    if (PSEUDO_PARAMETERS.has(name) || name in this.parameters) return;
    if (mode === 'value' && name in this.resources) {
      this.checkConditionalTarget(name, path, assumptions);
      return;
    }
    const candidates = [
      ...PSEUDO_PARAMETERS,
      ...Object.keys(this.parameters),
      ...(mode === 'value' ? Object.keys(this.resources) : []),
    ];
    const what =
      mode === 'value' ? 'a parameter, resource or pseudo parameter' : 'a parameter or pseudo parameter';
    this.report(path, `Ref to "${name}", which is not ${what}${suggestion(name, candidates)}`);
  }

  private checkGetAtt(resourceName: string, attribute: string, path: string, assumptions: Assumptions): void {
    const resource = this.resources[resourceName];
    if (!isObj(resource)) {
      this.report(
        path,
        `Fn::GetAtt to "${resourceName}", which is not a resource${suggestion(resourceName, Object.keys(this.resources))}`,
      );
      return;
    }
    this.checkConditionalTarget(resourceName, path, assumptions);
    const type = resource['Type'];
    if (
      typeof type !== 'string' ||
      type.startsWith('Custom::') ||
      type === 'AWS::CloudFormation::CustomResource'
    )
      return;
    if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
    const spec = findResourceType(this.db, type);
    if (spec && !(attribute in spec.attributes)) {
      this.report(
        path,
        `${type} has no attribute "${attribute}"${suggestion(attribute, Object.keys(spec.attributes))}`,
      );
    }
  }

  private checkFindInMap(args: unknown, path: string): void {
    if (!Array.isArray(args) || args.length < 3) {
      this.report(path, 'Fn::FindInMap takes [map, top-level key, second-level key]');
      return;
    }
    const [mapName, topKey, secondKey] = args as unknown[];
    if (typeof mapName !== 'string') return;
    const map = this.mappings[mapName];
    if (!isObj(map)) {
      this.report(path, `mapping "${mapName}" is not defined in Mappings`);
      return;
    }
    // A top-level key taken from a parameter must exist for every value the parameter allows.
    let topKeys: string[] | undefined;
    if (typeof topKey === 'string' || typeof topKey === 'number') topKeys = [String(topKey)];
    else if (isObj(topKey) && typeof topKey['Ref'] === 'string') {
      const param = this.parameters[topKey['Ref']];
      if (isObj(param) && Array.isArray(param['AllowedValues'])) topKeys = param['AllowedValues'].map(String);
      else if (isObj(param))
        this.report(
          path,
          `the key comes from parameter "${topKey['Ref']}", which needs AllowedValues matching the mapping's keys`,
        );
    }
    for (const k of topKeys ?? []) {
      const row = map[k];
      if (!isObj(row)) this.report(path, `mapping "${mapName}" has no key "${k}"`);
      else if (typeof secondKey === 'string' && !(secondKey in row))
        this.report(path, `mapping "${mapName}.${k}" has no key "${secondKey}"`);
    }
  }

  // ------------------------------------------------------------------ conditions

  /** A resource with a Condition exists only when that condition holds; every reference to it must sit
   * where the condition is known to hold (the referrer's own Condition, or inside a matching Fn::If). */
  private checkConditionalTarget(resourceName: string, path: string, assumptions: Assumptions): void {
    const resource = this.resources[resourceName];
    const condition = isObj(resource) ? resource['Condition'] : undefined;
    if (typeof condition !== 'string' || !(condition in this.conditions)) return;
    const counterexample = this.findCounterexample(assumptions, condition);
    if (counterexample !== undefined) {
      this.report(
        path,
        `refers to "${resourceName}", which exists only if condition ${condition} holds, but it may not hold here` +
          (counterexample ? ` (e.g. ${counterexample})` : ''),
      );
    }
  }

  /** Canonical key of a value compared in Fn::Equals (Ref X and Join('', Ref X) both mean "X's value"). */
  private atomOf(expr: unknown): string | undefined {
    if (typeof expr === 'string' || typeof expr === 'number' || typeof expr === 'boolean') return undefined;
    if (isObj(expr) && typeof expr['Ref'] === 'string') return `Ref:${expr['Ref']}`;
    const join = isObj(expr) ? expr['Fn::Join'] : undefined;
    if (Array.isArray(join) && join[0] === '' && isObj(join[1]) && typeof join[1]['Ref'] === 'string')
      return `Ref:${join[1]['Ref']}`;
    return `Expr:${JSON.stringify(expr)}`;
  }

  private collectAtomLiterals(): void {
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(visit);
      if (!isObj(value)) return;
      const eq = value['Fn::Equals'];
      if (Array.isArray(eq) && eq.length === 2) {
        const [a, b] = eq as [unknown, unknown];
        for (const [x, y] of [
          [a, b],
          [b, a],
        ] as const) {
          const atom = this.atomOf(x);
          if (atom !== undefined && this.atomOf(y) === undefined) {
            const set = this.atomLiterals.get(atom) ?? new Set<string>();
            set.add(String(y));
            this.atomLiterals.set(atom, set);
          }
        }
      }
      Object.values(value).forEach(visit);
    };
    visit(this.conditions);
  }

  private domainOf(atom: string): string[] {
    const values = new Set(this.atomLiterals.get(atom) ?? []);
    const param = atom.startsWith('Ref:') ? this.parameters[atom.slice(4)] : undefined;
    if (isObj(param) && Array.isArray(param['AllowedValues'])) return param['AllowedValues'].map(String);
    values.add(OTHER_VALUE);
    return [...values];
  }

  private atomsOfCondition(name: string, into: Set<string>, seen = new Set<string>()): void {
    if (seen.has(name)) return;
    seen.add(name);
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(visit);
      if (!isObj(value)) return;
      if (typeof value['Condition'] === 'string' && Object.keys(value).length === 1) {
        return this.atomsOfCondition(value['Condition'], into, seen);
      }
      const eq = value['Fn::Equals'];
      if (Array.isArray(eq)) {
        for (const side of eq) {
          const atom = this.atomOf(side);
          if (atom !== undefined) into.add(atom);
        }
        return;
      }
      Object.values(value).forEach(visit);
    };
    visit(this.conditions[name]);
  }

  private evaluate(expr: unknown, scenario: ReadonlyMap<string, string>, depth = 0): boolean | undefined {
    if (depth > 50 || !isObj(expr)) return undefined;
    if (typeof expr['Condition'] === 'string')
      return this.evaluate(this.conditions[expr['Condition']], scenario, depth + 1);
    const [key] = Object.keys(expr);
    const args = key === undefined ? undefined : expr[key];
    if (!Array.isArray(args)) return undefined;
    const sub = args.map((a) => this.evaluate(a, scenario, depth + 1));
    switch (key) {
      case 'Fn::Not':
        return sub[0] === undefined ? undefined : !sub[0];
      case 'Fn::And':
        return sub.includes(false) ? false : sub.includes(undefined) ? undefined : true;
      case 'Fn::Or':
        return sub.includes(true) ? true : sub.includes(undefined) ? undefined : false;
      case 'Fn::Equals': {
        const side = (v: unknown): string | undefined => {
          const atom = this.atomOf(v);
          return atom === undefined ? String(v) : scenario.get(atom);
        };
        const [a, b] = [side(args[0]), side(args[1])];
        return a === undefined || b === undefined ? undefined : a === b;
      }
      default:
        return undefined;
    }
  }

  /** undefined if the assumptions imply the condition; otherwise a description of a parameter combination
   * under which they hold and the condition does not ('' if the check had to give up). */
  private findCounterexample(assumptions: Assumptions, condition: string): string | undefined {
    if (assumptions.some(([c, holds]) => c === condition && holds)) return undefined;
    const atoms = new Set<string>();
    for (const [c] of assumptions) this.atomsOfCondition(c, atoms);
    this.atomsOfCondition(condition, atoms);
    const list = [...atoms];
    const domains = list.map((a) => this.domainOf(a));
    const total = domains.reduce((n, d) => n * d.length, 1);
    if (total > MAX_SCENARIOS) return undefined;
    for (let i = 0; i < total; i++) {
      const scenario = new Map<string, string>();
      let rest = i;
      list.forEach((atom, j) => {
        const domain = domains[j]!;
        scenario.set(atom, domain[rest % domain.length]!);
        rest = Math.floor(rest / domain.length);
      });
      const context = assumptions.every(([c, holds]) => this.evaluate({ Condition: c }, scenario) === holds);
      if (context && this.evaluate({ Condition: condition }, scenario) === false) {
        return [...scenario]
          .filter(([atom]) => atom.startsWith('Ref:'))
          .map(
            ([atom, v]) => `${atom.slice(4)}=${v === OTHER_VALUE ? '<something else>' : JSON.stringify(v)}`,
          )
          .join(', ');
      }
    }
    return undefined;
  }

  // ------------------------------------------------------------------ security and product rules

  private checkProductRules(resource: Obj, type: string, path: string): void {
    const props = isObj(resource['Properties']) ? resource['Properties'] : {};
    const pp = `${path}.Properties`;
    switch (type) {
      case 'AWS::IAM::Role': {
        this.checkPolicy(props['AssumeRolePolicyDocument'], `${pp}.AssumeRolePolicyDocument`, 'trust');
        eachValue(props['Policies'], `${pp}.Policies`, (policy, p) => {
          if (isObj(policy)) this.checkPolicy(policy['PolicyDocument'], `${p}.PolicyDocument`, 'identity');
        });
        eachValue(props['ManagedPolicyArns'], `${pp}.ManagedPolicyArns`, (arn, p) => {
          if (typeof arn === 'string' && /:iam::aws:policy\//.test(arn)) {
            this.report(
              p,
              `AWS managed policy ${arn} grants more than this stack needs; write a narrow inline policy`,
            );
          }
        });
        return;
      }
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        this.checkPolicy(props['PolicyDocument'], `${pp}.PolicyDocument`, 'identity');
        return;
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::S3::BucketPolicy':
        this.checkPolicy(props['PolicyDocument'], `${pp}.PolicyDocument`, 'resource');
        return;
      case 'AWS::Lambda::Permission':
        if (props['Principal'] === '*') this.report(`${pp}.Principal`, 'anyone could invoke the function');
        return;
      case 'AWS::Lambda::Function':
        this.checkFunction(resource, props, path);
        return;
      case 'AWS::OpenSearchService::Domain':
      case 'AWS::Elasticsearch::Domain':
        this.checkDomain(resource, props, path);
        return;
      case 'AWS::SQS::Queue':
        if (!isTrue(props['SqsManagedSseEnabled']) && props['KmsMasterKeyId'] === undefined) {
          this.report(pp, 'queue is not encrypted: set SqsManagedSseEnabled: true or KmsMasterKeyId');
        }
        return;
      case 'AWS::Logs::LogGroup':
        if (props['RetentionInDays'] === undefined)
          this.report(pp, 'missing RetentionInDays (logs would be kept forever)');
        return;
      case 'AWS::Lambda::EventSourceMapping':
        this.checkEventSourceMapping(props, pp);
        return;
    }
  }

  /**
   * kind 'identity': Allow statements must name actions without wildcards and a Resource narrower than "*"
   * (unless every action only supports "*"). 'resource' (resource policies) also: no anonymous principal.
   * 'trust': only the principal rule.
   */
  private checkPolicy(doc: unknown, path: string, kind: 'identity' | 'resource' | 'trust'): void {
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
        if (!isObj(statement)) return;
        this.checkStatement(statement, sp, kind);
      });
    });
  }

  private checkStatement(statement: Obj, path: string, kind: 'identity' | 'resource' | 'trust'): void {
    if (statement['Effect'] !== 'Allow') return;
    if (kind === 'resource' || kind === 'trust') {
      eachValue(statement['Principal'], `${path}.Principal`, (principal, pp) => {
        const anyone =
          principal === '*' ||
          (isObj(principal) &&
            Object.values(principal).some((v) => v === '*' || (Array.isArray(v) && v.includes('*'))));
        if (anyone && statement['Condition'] === undefined)
          this.report(pp, 'allows anonymous access (Principal "*" without a Condition)');
      });
    }
    if (kind === 'trust') return;
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
    eachValue(statement['Resource'], `${path}.Resource`, (resource, rp) => {
      const text =
        typeof resource === 'string'
          ? resource
          : isObj(resource) && typeof resource['Fn::Sub'] === 'string'
            ? resource['Fn::Sub']
            : undefined;
      if (text !== '*') return;
      const narrow = actions.filter((a) => !STAR_RESOURCE_ACTIONS.has(a.toLowerCase()));
      if (actions.length === 0 || narrow.length > 0) {
        this.report(
          rp,
          `Resource "*" for ${narrow.join(', ') || 'these actions'}, which support narrower resources`,
        );
      }
    });
  }

  private checkFunction(resource: Obj, props: Obj, path: string): void {
    const pp = `${path}.Properties`;
    if (props['Handler'] !== REQUIRED_HANDLER) {
      this.report(
        `${pp}.Handler`,
        `must be "${REQUIRED_HANDLER}" (the bundle exports handler from index.js), got ${describe(props['Handler'])}`,
      );
    }
    const runtime = props['Runtime'];
    const major = typeof runtime === 'string' ? /^nodejs(\d+)\.x$/.exec(runtime)?.[1] : undefined;
    if (major === undefined || Number(major) < MIN_NODE_RUNTIME) {
      this.report(`${pp}.Runtime`, `must be nodejs${MIN_NODE_RUNTIME}.x or newer, got ${describe(runtime)}`);
    }
    const logging = props['LoggingConfig'];
    const logGroup = isObj(logging) ? logging['LogGroup'] : undefined;
    const logGroupRef = isObj(logGroup) ? logGroup['Ref'] : undefined;
    const target = typeof logGroupRef === 'string' ? this.resources[logGroupRef] : undefined;
    if (!isObj(target) || target['Type'] !== 'AWS::Logs::LogGroup') {
      this.report(
        `${pp}.LoggingConfig.LogGroup`,
        'must Ref an AWS::Logs::LogGroup of this template (explicit retention, no logs:CreateLogGroup)',
      );
    }

    const metadata = resource['Metadata'];
    const marker = isObj(metadata) ? metadata[COMPONENT_METADATA_KEY] : undefined;
    const component = isObj(marker) ? marker['component'] : undefined;
    if (component !== 'indexer' && component !== 'cleanup') {
      this.report(
        `${path}.Metadata.${COMPONENT_METADATA_KEY}.component`,
        'must be "indexer" or "cleanup" (selects the environment schema)',
      );
      return;
    }
    const known = new Set([...this.env[component], ...POWERTOOLS_ENV_VARS]);
    const environment = props['Environment'];
    eachValue(
      isObj(environment) ? environment['Variables'] : undefined,
      `${pp}.Environment.Variables`,
      (variables, vp) => {
        if (!isObj(variables)) return;
        for (const key of Object.keys(variables)) {
          if (RESERVED_LAMBDA_ENV.test(key))
            this.report(`${vp}.${key}`, 'reserved by Lambda; the runtime sets it');
          else if (!known.has(key)) {
            this.report(
              `${vp}.${key}`,
              `the ${component} code does not read ${key} (not in ${this.env.source})${suggestion(key, known)}`,
            );
          }
        }
      },
    );
  }

  private checkDomain(resource: Obj, props: Obj, path: string): void {
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
    if (typeof tls !== 'string' || !/^Policy-Min-TLS-1-[2-9]/.test(tls)) {
      this.report(
        `${pp}.DomainEndpointOptions.TLSSecurityPolicy`,
        `must require TLS 1.2 or newer (e.g. Policy-Min-TLS-1-2-PFS-2023-10), got ${describe(tls)}`,
      );
    }
    const version = this.literalOrDefault(props['EngineVersion']);
    const major = typeof version === 'string' ? /^OpenSearch_(\d+)\./.exec(version)?.[1] : undefined;
    if (major === undefined || Number(major) < 2)
      this.report(`${pp}.EngineVersion`, `must be OpenSearch 2.x or newer, got ${describe(version)}`);
    if (props['AccessPolicies'] === undefined)
      this.report(
        `${pp}.AccessPolicies`,
        'missing: the access policy must name the roles that may call the domain',
      );
    this.checkPolicy(props['AccessPolicies'], `${pp}.AccessPolicies`, 'resource');
    if (resource['DeletionPolicy'] !== 'Retain')
      this.report(`${path}.DeletionPolicy`, 'must be Retain so deleting the stack keeps the indexed data');
  }

  private checkEventSourceMapping(props: Obj, pp: string): void {
    const source = props['EventSourceArn'];
    const getAtt = isObj(source) ? source['Fn::GetAtt'] : undefined;
    const queueName = Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
    const queue = queueName === undefined ? undefined : this.resources[queueName];
    if (!isObj(queue) || queue['Type'] !== 'AWS::SQS::Queue') return;
    const queueProps = isObj(queue['Properties']) ? queue['Properties'] : {};
    const responseTypes = props['FunctionResponseTypes'];
    if (!Array.isArray(responseTypes) || !responseTypes.includes('ReportBatchItemFailures')) {
      this.report(
        `${pp}.FunctionResponseTypes`,
        'must include ReportBatchItemFailures (otherwise one bad file makes the whole batch retry)',
      );
    }
    if (queueProps['RedrivePolicy'] === undefined) {
      this.report(
        `Resources.${queueName}.Properties.RedrivePolicy`,
        'missing: messages that keep failing need a dead-letter queue',
      );
    }
    // Visibility timeout >= 6 x function timeout, for every allowed value of the parameters involved.
    const fnRef = isObj(props['FunctionName']) ? props['FunctionName']['Ref'] : undefined;
    const fn = typeof fnRef === 'string' ? this.resources[fnRef] : undefined;
    const fnProps = isObj(fn) && isObj(fn['Properties']) ? fn['Properties'] : undefined;
    if (!fnProps) return;
    const timeoutExpr = fnProps['Timeout'] ?? 3;
    const timeoutParam =
      isObj(timeoutExpr) && typeof timeoutExpr['Ref'] === 'string' ? timeoutExpr['Ref'] : undefined;
    const param = timeoutParam === undefined ? undefined : this.parameters[timeoutParam];
    const values =
      isObj(param) && Array.isArray(param['AllowedValues'])
        ? param['AllowedValues'].map(String)
        : [undefined];
    for (const value of values) {
      const binding = timeoutParam !== undefined && value !== undefined ? { [timeoutParam]: value } : {};
      const timeout = Number(this.resolveScalar(timeoutExpr, binding));
      const visibility = Number(this.resolveScalar(queueProps['VisibilityTimeout'] ?? 30, binding));
      if (Number.isNaN(timeout) || Number.isNaN(visibility)) continue;
      if (visibility < 6 * timeout) {
        this.report(
          `Resources.${queueName}.Properties.VisibilityTimeout`,
          `${visibility} s is less than 6 x the function timeout (${timeout} s${value !== undefined ? ` when ${timeoutParam}=${value}` : ''})`,
        );
      }
    }
  }

  private literalOrDefault(expr: unknown): unknown {
    return this.resolveScalar(expr, {});
  }

  /** Value of a literal, a Ref to a parameter (bound or default) or a FindInMap over those; else undefined. */
  private resolveScalar(
    expr: unknown,
    binding: Readonly<Record<string, string>>,
  ): string | number | boolean | undefined {
    if (typeof expr === 'string' || typeof expr === 'number' || typeof expr === 'boolean') return expr;
    if (!isObj(expr)) return undefined;
    if (typeof expr['Ref'] === 'string') {
      const name = expr['Ref'];
      if (name in binding) return binding[name];
      const param = this.parameters[name];
      const def = isObj(param) ? param['Default'] : undefined;
      return typeof def === 'string' || typeof def === 'number' ? def : undefined;
    }
    const find = expr['Fn::FindInMap'];
    if (Array.isArray(find) && find.length === 3) {
      const [m, a, b] = find.map((x) => this.resolveScalar(x, binding));
      const row =
        m === undefined || a === undefined
          ? undefined
          : (this.mappings[String(m)] as Obj | undefined)?.[String(a)];
      const value = isObj(row) && b !== undefined ? row[String(b)] : undefined;
      return typeof value === 'string' || typeof value === 'number' ? value : undefined;
    }
    return undefined;
  }
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/** Calls fn for each concrete value: list items, both branches of Fn::If (minus AWS::NoValue), or the value. */
function eachValue(value: unknown, path: string, fn: (value: unknown, path: string) => void): void {
  if (value === undefined || isNoValue(value)) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => eachValue(item, `${path}[${i}]`, fn));
    return;
  }
  const ifArgs = isObj(value) ? value['Fn::If'] : undefined;
  if (Array.isArray(ifArgs) && ifArgs.length === 3 && Object.keys(value as Obj).length === 1) {
    eachValue(ifArgs[1], `${path}.Fn::If[1]`, fn);
    eachValue(ifArgs[2], `${path}.Fn::If[2]`, fn);
    return;
  }
  fn(value, path);
}

/** All problems found in a parsed template (see parseCfnYaml), in template order. */
export function validateTemplate(template: unknown, db: SpecDatabase, env: EnvSchema): Problem[] {
  if (!isObj(template))
    return [{ path: '(template)', message: `must be a mapping, got ${describe(template)}` }];
  return new TemplateValidator(template, db, env).run();
}
