// Reading values out of a parsed CloudFormation template (see cfn-yaml.ts) without deploying it: the
// shapes of intrinsic functions, both branches of Fn::If, and parameter defaults. The product rules are
// written on top of these; AWS's own linter (cfn-lint) checks the template's syntax and references.

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNoValue(value: unknown): boolean {
  return isObj(value) && value['Ref'] === 'AWS::NoValue' && Object.keys(value).length === 1;
}

export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (isObj(value)) return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Calls fn for each concrete value: list items, both branches of Fn::If (minus AWS::NoValue), or the value. */
export function eachValue(value: unknown, path: string, fn: (value: unknown, path: string) => void): void {
  if (value === undefined || isNoValue(value)) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => eachValue(item, `${path}[${i}]`, fn));
    return;
  }
  const branches = ifBranches(value);
  if (branches) {
    eachValue(branches[0], `${path}.Fn::If[1]`, fn);
    eachValue(branches[1], `${path}.Fn::If[2]`, fn);
    return;
  }
  fn(value, path);
}

/** Like eachValue, but a list is one value: calls fn with each branch of Fn::If (AWS::NoValue included,
 * as undefined), so a caller can tell "missing in one branch" from "present". */
export function eachBranch(value: unknown, path: string, fn: (value: unknown, path: string) => void): void {
  const branches = ifBranches(value);
  if (!branches) {
    fn(isNoValue(value) ? undefined : value, path);
    return;
  }
  eachBranch(branches[0], `${path}.Fn::If[1]`, fn);
  eachBranch(branches[1], `${path}.Fn::If[2]`, fn);
}

function ifBranches(value: unknown): [unknown, unknown] | undefined {
  const args = isObj(value) && Object.keys(value).length === 1 ? value['Fn::If'] : undefined;
  return Array.isArray(args) && args.length === 3 ? [args[1], args[2]] : undefined;
}

/** The condition and branches of `{ Fn::If: [condition, a, b] }`, if the value is one. */
export function fnIf(value: unknown): { condition: string; then: unknown; otherwise: unknown } | undefined {
  const args = isObj(value) ? value['Fn::If'] : undefined;
  if (!Array.isArray(args) || args.length !== 3 || typeof args[0] !== 'string') return undefined;
  return { condition: args[0], then: args[1], otherwise: args[2] };
}

/** The name a `{ Ref: name }` refers to. */
export function refName(value: unknown): string | undefined {
  return isObj(value) && typeof value['Ref'] === 'string' ? value['Ref'] : undefined;
}

/** The resource a `{ Fn::GetAtt: [name, attribute] }` reads. */
export function getAttTarget(value: unknown): string | undefined {
  const args = isObj(value) ? value['Fn::GetAtt'] : undefined;
  return Array.isArray(args) && typeof args[0] === 'string' ? args[0] : undefined;
}

/** The text of a literal string or of an Fn::Sub (its ${...} placeholders left in). */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const sub = isObj(value) ? value['Fn::Sub'] : undefined;
  if (typeof sub === 'string') return sub;
  if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
  return undefined;
}

/** A template's sections, and the values of its parameters and mappings. */
export class TemplateView {
  readonly resources: Obj;
  readonly parameters: Obj;
  readonly conditions: Obj;
  readonly mappings: Obj;
  readonly rules: Obj;

  constructor(readonly template: Obj) {
    const section = (name: string): Obj => (isObj(template[name]) ? template[name] : {});
    this.resources = section('Resources');
    this.parameters = section('Parameters');
    this.conditions = section('Conditions');
    this.mappings = section('Mappings');
    this.rules = section('Rules');
  }

  resource(name: string | undefined): Obj | undefined {
    const resource = name === undefined ? undefined : this.resources[name];
    return isObj(resource) ? resource : undefined;
  }

  /** [logical id, resource, its Properties] of every resource of a type. */
  ofType(type: string): [string, Obj, Obj][] {
    return Object.entries(this.resources).flatMap(([name, resource]) =>
      isObj(resource) && resource['Type'] === type
        ? [
            [name, resource, isObj(resource['Properties']) ? resource['Properties'] : {}] as [
              string,
              Obj,
              Obj,
            ],
          ]
        : [],
    );
  }

  parameter(name: string | undefined): Obj | undefined {
    const param = name === undefined ? undefined : this.parameters[name];
    return isObj(param) ? param : undefined;
  }

  /** The values a Ref to a parameter can take: its AllowedValues, else its Default alone. */
  parameterValues(name: string): string[] {
    const param = this.parameter(name);
    if (Array.isArray(param?.['AllowedValues'])) return param['AllowedValues'].map(String);
    return param?.['Default'] === undefined ? [] : [String(param['Default'])];
  }

  /** Value of a literal, a Ref to a parameter (bound, else its default) or a FindInMap over those. */
  scalar(expr: unknown, binding: Readonly<Record<string, string>> = {}): string | undefined {
    if (typeof expr === 'string' || typeof expr === 'number' || typeof expr === 'boolean')
      return String(expr);
    const name = refName(expr);
    if (name !== undefined) {
      if (name in binding) return binding[name];
      const def = this.parameter(name)?.['Default'];
      return typeof def === 'string' || typeof def === 'number' ? String(def) : undefined;
    }
    const find = isObj(expr) ? expr['Fn::FindInMap'] : undefined;
    if (Array.isArray(find) && find.length === 3) {
      const [map, top, second] = find.map((part) => this.scalar(part, binding));
      const row = map === undefined || top === undefined ? undefined : (this.mappings[map] as Obj)?.[top];
      const value = isObj(row) && second !== undefined ? row[second] : undefined;
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    }
    return undefined;
  }

  /** True when condition `from` holding means `to` holds: the same name, or `to` is an Fn::Or that
   * lists a condition implied by `from`. Enough for the trigger-mode conditions of our templates. */
  implies(from: string, to: string): boolean {
    if (from === to) return true;
    const or = isObj(this.conditions[to]) ? (this.conditions[to] as Obj)['Fn::Or'] : undefined;
    if (!Array.isArray(or)) return false;
    return or.some(
      (term) => isObj(term) && typeof term['Condition'] === 'string' && this.implies(from, term['Condition']),
    );
  }
}
