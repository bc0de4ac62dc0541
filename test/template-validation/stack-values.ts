/**
 * What CloudFormation would make of a template for given parameter values, without deploying it: the
 * conditions, the Rules assertions, and each resource's properties with Ref, Fn::If, Fn::Sub, Fn::Select,
 * Fn::Split, Fn::Join and Fn::FindInMap resolved. What only exists after a deploy stays symbolic: a Ref to a
 * resource is "<ref:NAME>" and a GetAtt "<NAME.ATTRIBUTE>". Enough for the tests to check what a stack
 * deployed with these parameters would hold.
 */
import type { Obj } from './helpers.js';

const NO_VALUE = Symbol('AWS::NoValue');
const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '111122223333',
  'AWS::StackName': 'STACK',
  'AWS::Partition': 'aws',
};

export class StackValues {
  private readonly values = new Map<string, string | string[]>();

  constructor(
    private readonly template: Obj,
    parameters: Readonly<Record<string, string>> = {},
  ) {
    for (const [name, definition] of Object.entries(template['Parameters'] as Obj)) {
      const text =
        parameters[name] ?? (definition['Default'] === undefined ? '' : String(definition['Default']));
      this.values.set(
        name,
        definition['Type'] === 'CommaDelimitedList' ? (text === '' ? [''] : text.split(',')) : text,
      );
    }
    for (const name of Object.keys(parameters))
      if (!this.values.has(name)) throw new Error(`the template has no parameter ${name}`);
  }

  condition(name: string): boolean {
    const definition = (this.template['Conditions'] as Obj)[name];
    if (definition === undefined) throw new Error(`no condition ${name}`);
    return this.truth(definition);
  }

  /** The AssertDescription of each failing assertion of the template's Rules. */
  failingRules(): string[] {
    const failing: string[] = [];
    for (const rule of Object.values((this.template['Rules'] ?? {}) as Obj)) {
      if (rule['RuleCondition'] !== undefined && !this.truth(rule['RuleCondition'])) continue;
      for (const assertion of rule['Assertions'] as Obj[])
        if (!this.truth(assertion['Assert'])) failing.push(String(assertion['AssertDescription']).trim());
    }
    return failing;
  }

  exists(resource: string): boolean {
    const definition = (this.template['Resources'] as Obj)[resource];
    if (definition === undefined) throw new Error(`no resource ${resource}`);
    return definition['Condition'] === undefined || this.condition(definition['Condition'] as string);
  }

  /** The resolved Properties of a resource that exists with these parameters. */
  properties(resource: string): Obj {
    if (!this.exists(resource)) throw new Error(`${resource} does not exist with these parameters`);
    return this.resolve((this.template['Resources'] as Obj)[resource]['Properties']) as Obj;
  }

  resolve(value: unknown): unknown {
    const resolved = this.value(value);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  private truth(value: unknown): boolean {
    const v = value as Obj;
    if (v['Condition'] !== undefined) return this.condition(v['Condition'] as string);
    if (v['Fn::Equals']) {
      const [a, b] = (v['Fn::Equals'] as unknown[]).map((x) => JSON.stringify(this.resolve(x)));
      return a === b;
    }
    if (v['Fn::Not']) return !this.truth((v['Fn::Not'] as unknown[])[0]);
    if (v['Fn::And']) return (v['Fn::And'] as unknown[]).every((x) => this.truth(x));
    if (v['Fn::Or']) return (v['Fn::Or'] as unknown[]).some((x) => this.truth(x));
    if (v['Fn::Contains']) {
      const [list, item] = (v['Fn::Contains'] as unknown[]).map((x) => this.resolve(x));
      return (list as unknown[]).includes(item);
    }
    throw new Error(`not a condition: ${JSON.stringify(value)}`);
  }

  private value(value: unknown): unknown {
    if (Array.isArray(value))
      return value.map((item) => this.value(item)).filter((item) => item !== NO_VALUE);
    if (typeof value !== 'object' || value === null) return value;
    const v = value as Obj;
    const [key] = Object.keys(v);
    const args = v[key!] as unknown;
    if (Object.keys(v).length === 1) {
      if (key === 'Ref') return this.ref(args as string);
      if (key === 'Fn::If') {
        const [condition, then, otherwise] = args as [string, unknown, unknown];
        return this.value(this.condition(condition) ? then : otherwise);
      }
      if (key === 'Fn::GetAtt') return `<${(args as string[]).join('.')}>`;
      if (key === 'Fn::Sub') return this.sub(args);
      if (key === 'Fn::Select') {
        const [index, list] = args as [unknown, unknown];
        return (this.value(list) as unknown[])[Number(this.value(index))];
      }
      if (key === 'Fn::Split') {
        const [separator, text] = args as [string, unknown];
        return String(this.value(text)).split(separator);
      }
      if (key === 'Fn::Join') {
        const [separator, list] = args as [string, unknown];
        return (this.value(list) as unknown[]).join(separator);
      }
      if (key === 'Fn::FindInMap') {
        const [map, top, second] = (args as unknown[]).map((x) => String(this.value(x)));
        return (this.template['Mappings'] as Obj)[map!][top!][second!];
      }
    }
    const out: Obj = {};
    for (const [k, item] of Object.entries(v)) {
      const resolved = this.value(item);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }

  private ref(name: string): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in PSEUDO) return PSEUDO[name];
    if (this.values.has(name)) return this.values.get(name);
    if (!this.exists(name)) throw new Error(`Ref to ${name}, which does not exist with these parameters`);
    return `<ref:${name}>`;
  }

  private sub(args: unknown): string {
    const [text, variables] = Array.isArray(args) ? (args as [string, Obj]) : [args as string, {}];
    const local = new Map(Object.entries(variables).map(([k, v]) => [k, this.value(v)]));
    return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (local.has(name)) return String(local.get(name));
      if (name.includes('.')) return `<${name}>`;
      return String(this.ref(name));
    });
  }
}
