// The state every check shares: the template's sections, the spec and env schema, and the problem list.
import type { EnvSchema } from '../env-schema.js';
import type { SpecDatabase } from '../spec.js';
import { describe, isObj, type Obj } from './util.js';

export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** Assumptions about conditions that hold where a value is evaluated: the enclosing resource's or output's
 * Condition and the branches of enclosing Fn::If. */
export type Assumptions = ReadonlyArray<readonly [condition: string, holds: boolean]>;

export class ValidationContext {
  readonly problems: Problem[] = [];
  readonly parameters: Obj;
  readonly resources: Obj;
  readonly conditions: Obj;
  readonly mappings: Obj;
  /** Literal values each condition atom is compared with, for enumerating scenarios. */
  readonly atomLiterals = new Map<string, Set<string>>();

  constructor(
    readonly template: Obj,
    readonly db: SpecDatabase,
    readonly env: EnvSchema,
  ) {
    this.parameters = this.section('Parameters');
    this.resources = this.section('Resources');
    this.conditions = this.section('Conditions');
    this.mappings = this.section('Mappings');
  }

  section(name: string): Obj {
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

  literalOrDefault(expr: unknown): unknown {
    return this.resolveScalar(expr, {});
  }

  /** Value of a literal, a Ref to a parameter (bound or default) or a FindInMap over those; else undefined. */
  resolveScalar(
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
