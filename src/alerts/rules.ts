/**
 * The alert rules an operator writes (YAML or JSON), checked once when they are loaded: every problem is
 * reported with the rule (its id, or its position when it has none) and the field that is wrong, so a bad
 * rules file fails the cold start with a message that says what to fix.
 *
 * A condition is one of
 *   { all: [condition...] } | { any: [condition...] } | { not: condition }
 *   { field: PATH, equals: V } | { field, in: [V...] } | { field, prefix: S } | { field, glob: S } | { field, exists: bool }
 * where PATH is a dotted path into the event, array positions dropped (as in `ct.pairs`), and values are
 * compared as the text `ct.pairs` would hold (`true`, `42`, `AccessDenied`).
 */
import { parse as parseYaml } from 'yaml';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: string; equals: string }
  | { field: string; in: string[] }
  | { field: string; prefix: string }
  | { field: string; glob: string }
  | { field: string; exists: boolean };

export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  description?: string;
  match: Condition;
  /** Matches with the same values at these paths within one window make one alert. */
  dedup?: { key: string[]; windowMs: number };
  /** Alert only once `count` matches (of one dedup key) fall in one window of event time. */
  threshold?: { count: number; windowMs: number };
}

export class RulesError extends Error {
  override readonly name = 'RulesError';
}

const RULE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const LEAF_OPERATORS = ['equals', 'in', 'prefix', 'glob', 'exists'] as const;
const BRANCH_OPERATORS = ['all', 'any', 'not'] as const;
const RULE_FIELDS = ['id', 'title', 'severity', 'description', 'match', 'dedup', 'threshold'];
/** Nesting deeper than this is a mistake in a rules file, and recursion stays bounded. */
const MAX_CONDITION_DEPTH = 16;

/** Parses and checks a rules file's text; `sourceName` names the file in errors. */
export function parseRules(text: string, sourceName: string): Rule[] {
  let document: unknown;
  try {
    document = sourceName.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new RulesError(`${sourceName}: not valid YAML or JSON: ${(error as Error).message}`);
  }
  return checkRules(document, sourceName);
}

/** Checks rules given as data (a parsed file, or the built-in pack). */
export function checkRules(document: unknown, sourceName: string): Rule[] {
  const list = (document as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list) || list.length === 0) {
    throw new RulesError(`${sourceName}: expected a top-level "rules" list with at least one rule`);
  }
  const seen = new Set<string>();
  const problems: string[] = [];
  const rules: Rule[] = [];
  list.forEach((entry: unknown, position) => {
    const id = (entry as { id?: unknown } | null)?.id;
    const where = `${sourceName}: rule ${typeof id === 'string' ? `"${id}"` : `#${position + 1}`}`;
    try {
      const rule = checkRule(entry);
      if (seen.has(rule.id)) throw new RulesError(`id: "${rule.id}" is used by an earlier rule too`);
      seen.add(rule.id);
      rules.push(rule);
    } catch (error) {
      if (!(error instanceof RulesError)) throw error;
      problems.push(`${where}: ${error.message}`);
    }
  });
  if (problems.length > 0) throw new RulesError(problems.join('\n'));
  return rules;
}

function checkRule(entry: unknown): Rule {
  if (!isObject(entry)) throw new RulesError('expected an object with id, title, severity and match');
  for (const key of Object.keys(entry)) {
    if (!RULE_FIELDS.includes(key))
      throw new RulesError(`${key}: unknown field (known: ${RULE_FIELDS.join(', ')})`);
  }
  const { id, title, severity, description, match, dedup, threshold } = entry;
  if (typeof id !== 'string' || !RULE_ID.test(id)) {
    throw new RulesError('id: expected lower-case letters, digits, ".", "_" or "-" (at most 64)');
  }
  if (typeof title !== 'string' || title.trim() === '')
    throw new RulesError('title: expected a non-empty text');
  if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity)) {
    throw new RulesError(`severity: expected one of ${SEVERITIES.join(', ')}`);
  }
  if (description !== undefined && typeof description !== 'string') {
    throw new RulesError('description: expected a text');
  }
  const rule: Rule = { id, title, severity: severity as Severity, match: checkCondition(match, 'match', 0) };
  if (description !== undefined) rule.description = description;
  if (dedup !== undefined) rule.dedup = checkDedup(dedup);
  if (threshold !== undefined) rule.threshold = checkThreshold(threshold);
  return rule;
}

function checkCondition(value: unknown, where: string, depth: number): Condition {
  if (depth > MAX_CONDITION_DEPTH)
    throw new RulesError(`${where}: nested deeper than ${MAX_CONDITION_DEPTH} levels`);
  if (!isObject(value))
    throw new RulesError(`${where}: expected a condition (all, any, not, or field with an operator)`);
  const keys = Object.keys(value);
  const branch = BRANCH_OPERATORS.find((name) => name in value);
  if (branch !== undefined) {
    if (keys.length !== 1)
      throw new RulesError(`${where}: "${branch}" must be alone in its condition (found ${keys.join(', ')})`);
    const inner = value[branch];
    if (branch === 'not') return { not: checkCondition(inner, `${where}.not`, depth + 1) };
    if (!Array.isArray(inner) || inner.length === 0)
      throw new RulesError(`${where}.${branch}: expected a non-empty list of conditions`);
    const conditions = inner.map((item: unknown, i) =>
      checkCondition(item, `${where}.${branch}[${i}]`, depth + 1),
    );
    return branch === 'all' ? { all: conditions } : { any: conditions };
  }
  const field = value.field;
  if (typeof field !== 'string' || field === '' || field.startsWith('.') || field.endsWith('.')) {
    throw new RulesError(`${where}.field: expected a dotted path such as userIdentity.type`);
  }
  const operators = keys.filter((key) => key !== 'field');
  const unknown = operators.find((key) => !(LEAF_OPERATORS as readonly string[]).includes(key));
  if (unknown !== undefined)
    throw new RulesError(`${where}.${unknown}: unknown operator (known: ${LEAF_OPERATORS.join(', ')})`);
  if (operators.length !== 1)
    throw new RulesError(`${where}: expected exactly one of ${LEAF_OPERATORS.join(', ')} with "field"`);
  const operator = operators[0] as (typeof LEAF_OPERATORS)[number];
  const operand = value[operator];
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') throw new RulesError(`${where}.exists: expected true or false`);
      return { field, exists: operand };
    case 'in':
      if (!Array.isArray(operand) || operand.length === 0 || !operand.every(isScalar)) {
        throw new RulesError(`${where}.in: expected a non-empty list of texts, numbers or booleans`);
      }
      return { field, in: operand.map(String) };
    default:
      if (!isScalar(operand))
        throw new RulesError(`${where}.${operator}: expected a text, number or boolean`);
      if (operator === 'equals') return { field, equals: String(operand) };
      if (operator === 'prefix') return { field, prefix: String(operand) };
      return { field, glob: String(operand) };
  }
}

function checkDedup(value: unknown): Rule['dedup'] {
  if (!isObject(value)) throw new RulesError('dedup: expected { key: [paths], window: duration }');
  const key = value.key;
  if (!Array.isArray(key) || !key.every((path) => typeof path === 'string' && path !== '')) {
    throw new RulesError('dedup.key: expected a list of dotted paths');
  }
  return { key: key as string[], windowMs: durationMs(value.window, 'dedup.window') };
}

function checkThreshold(value: unknown): Rule['threshold'] {
  if (!isObject(value)) throw new RulesError('threshold: expected { count: N, window: duration }');
  const count = value.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 2 || count > 100_000) {
    throw new RulesError('threshold.count: expected a whole number from 2 to 100000');
  }
  return { count, windowMs: durationMs(value.window, 'threshold.window') };
}

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function durationMs(value: unknown, where: string): number {
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : 0;
  if (!match || ms <= 0 || ms > 7 * UNIT_MS.d) {
    throw new RulesError(`${where}: expected a duration such as 30s, 5m, 1h or 1d (at most 7d)`);
  }
  return ms;
}

/** `*` any run of characters, `?` one character, everything else literal; the whole value must match. */
export function globPattern(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${source}$`, 's');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
