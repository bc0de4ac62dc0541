// Conditions: the Condition attribute, circular conditions, and reachability of conditional resources
// (a reference to a resource that has a Condition must sit where that condition is known to hold).
import type { Assumptions, ValidationContext } from './context.js';
import { isObj, type Obj } from './util.js';

const OTHER_VALUE = '\u0000other';
const MAX_SCENARIOS = 50_000;

export function conditionDependsOn(ctx: ValidationContext, name: string, seen: Set<string>): boolean {
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
  collect(ctx.conditions[name]);
  return refs.some((r) => r in ctx.conditions && conditionDependsOn(ctx, r, next));
}

/** Validates a resource's or output's Condition attribute; returns it as an assumption. */
export function conditionAttribute(ctx: ValidationContext, holder: Obj, path: string): Assumptions {
  const condition = holder['Condition'];
  if (condition === undefined) return [];
  if (typeof condition !== 'string' || !(condition in ctx.conditions)) {
    ctx.report(`${path}.Condition`, `condition ${JSON.stringify(condition)} is not defined in Conditions`);
    return [];
  }
  return [[condition, true]];
}

/** A resource with a Condition exists only when that condition holds; every reference to it must sit
 * where the condition is known to hold (the referrer's own Condition, or inside a matching Fn::If). */
export function checkConditionalTarget(
  ctx: ValidationContext,
  resourceName: string,
  path: string,
  assumptions: Assumptions,
): void {
  const resource = ctx.resources[resourceName];
  const condition = isObj(resource) ? resource['Condition'] : undefined;
  if (typeof condition !== 'string' || !(condition in ctx.conditions)) return;
  const counterexample = findCounterexample(ctx, assumptions, condition);
  if (counterexample !== undefined) {
    ctx.report(
      path,
      `refers to "${resourceName}", which exists only if condition ${condition} holds, but it may not hold here` +
        (counterexample ? ` (e.g. ${counterexample})` : ''),
    );
  }
}

/** Canonical key of a value compared in Fn::Equals (Ref X and Join('', Ref X) both mean "X's value"). */
function atomOf(expr: unknown): string | undefined {
  if (typeof expr === 'string' || typeof expr === 'number' || typeof expr === 'boolean') return undefined;
  if (isObj(expr) && typeof expr['Ref'] === 'string') return `Ref:${expr['Ref']}`;
  const join = isObj(expr) ? expr['Fn::Join'] : undefined;
  if (Array.isArray(join) && join[0] === '' && isObj(join[1]) && typeof join[1]['Ref'] === 'string')
    return `Ref:${join[1]['Ref']}`;
  return `Expr:${JSON.stringify(expr)}`;
}

export function collectAtomLiterals(ctx: ValidationContext): void {
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
        const atom = atomOf(x);
        if (atom !== undefined && atomOf(y) === undefined) {
          const set = ctx.atomLiterals.get(atom) ?? new Set<string>();
          set.add(String(y));
          ctx.atomLiterals.set(atom, set);
        }
      }
    }
    Object.values(value).forEach(visit);
  };
  visit(ctx.conditions);
}

function domainOf(ctx: ValidationContext, atom: string): string[] {
  const values = new Set(ctx.atomLiterals.get(atom) ?? []);
  const param = atom.startsWith('Ref:') ? ctx.parameters[atom.slice(4)] : undefined;
  if (isObj(param) && Array.isArray(param['AllowedValues'])) return param['AllowedValues'].map(String);
  values.add(OTHER_VALUE);
  return [...values];
}

function atomsOfCondition(
  ctx: ValidationContext,
  name: string,
  into: Set<string>,
  seen = new Set<string>(),
): void {
  if (seen.has(name)) return;
  seen.add(name);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObj(value)) return;
    if (typeof value['Condition'] === 'string' && Object.keys(value).length === 1) {
      return atomsOfCondition(ctx, value['Condition'], into, seen);
    }
    const eq = value['Fn::Equals'];
    if (Array.isArray(eq)) {
      for (const side of eq) {
        const atom = atomOf(side);
        if (atom !== undefined) into.add(atom);
      }
      return;
    }
    Object.values(value).forEach(visit);
  };
  visit(ctx.conditions[name]);
}

function evaluate(
  ctx: ValidationContext,
  expr: unknown,
  scenario: ReadonlyMap<string, string>,
  depth = 0,
): boolean | undefined {
  if (depth > 50 || !isObj(expr)) return undefined;
  if (typeof expr['Condition'] === 'string')
    return evaluate(ctx, ctx.conditions[expr['Condition']], scenario, depth + 1);
  const [key] = Object.keys(expr);
  const args = key === undefined ? undefined : expr[key];
  if (!Array.isArray(args)) return undefined;
  const sub = args.map((a) => evaluate(ctx, a, scenario, depth + 1));
  switch (key) {
    case 'Fn::Not':
      return sub[0] === undefined ? undefined : !sub[0];
    case 'Fn::And':
      return sub.includes(false) ? false : sub.includes(undefined) ? undefined : true;
    case 'Fn::Or':
      return sub.includes(true) ? true : sub.includes(undefined) ? undefined : false;
    case 'Fn::Equals': {
      const side = (v: unknown): string | undefined => {
        const atom = atomOf(v);
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
function findCounterexample(
  ctx: ValidationContext,
  assumptions: Assumptions,
  condition: string,
): string | undefined {
  if (assumptions.some(([c, holds]) => c === condition && holds)) return undefined;
  const atoms = new Set<string>();
  for (const [c] of assumptions) atomsOfCondition(ctx, c, atoms);
  atomsOfCondition(ctx, condition, atoms);
  const list = [...atoms];
  const domains = list.map((a) => domainOf(ctx, a));
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
    const context = assumptions.every(([c, holds]) => evaluate(ctx, { Condition: c }, scenario) === holds);
    if (context && evaluate(ctx, { Condition: condition }, scenario) === false) {
      return [...scenario]
        .filter(([atom]) => atom.startsWith('Ref:'))
        .map(([atom, v]) => `${atom.slice(4)}=${v === OTHER_VALUE ? '<something else>' : JSON.stringify(v)}`)
        .join(', ');
    }
  }
  return undefined;
}
