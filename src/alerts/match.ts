/**
 * Rules compiled for the record loop. Most records match no rule, so each record first goes through a
 * prefilter, and only a record that passes is parsed and evaluated. In the indexer, the prefilter reads
 * the few values the document builder hands over (prefilter.ts). Without them (`isCandidate`), it
 * reads the raw bytes: the `eventName` values looked up in a set, and a few literal texts some rules
 * require (`AccessDenied`, `Root`) searched for. Either only ever lets through more records than
 * match, never fewer: a record whose bytes it cannot read (no `"eventName":"` written that way) is
 * always parsed.
 */
import { alertReadsOf, type AlertReads } from './fieldTexts.js';
import { FieldPrefilter } from './prefilter.js';
import { globPattern, type Condition, type Rule } from './rules.js';

type Event = Record<string, unknown>;
type Predicate = (event: Event) => boolean;

const EVENT_NAME_KEY = Buffer.from('"eventName":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What a rule needs from the raw bytes before it can match; undefined: nothing cheap to test. */
interface Requirement {
  eventNames?: Set<string>;
  /** At least one of these byte strings must be in the record. */
  needles?: Buffer[];
}

export class RuleSet {
  private readonly compiled: { rule: Rule; test: Predicate }[];
  /** eventName values that make a record a candidate. */
  private readonly eventNames = new Set<string>();
  private readonly needles: Buffer[] = [];
  /** Some rule has no cheap requirement: every record is a candidate. */
  private readonly everyRecord: boolean;
  /** The prefilter on the values the document builder hands over (the indexer's: no scan at all). */
  readonly prefilter: FieldPrefilter;
  /** What each rule's alert reads of the handed-over values (fieldTexts.ts). */
  readonly alertReads: AlertReads;

  constructor(readonly rules: readonly Rule[]) {
    this.compiled = rules.map((rule) => ({ rule, test: compile(rule.match) }));
    let everyRecord = false;
    for (const rule of rules) {
      const requirement = requirementOf(rule.match);
      if (requirement?.eventNames) for (const name of requirement.eventNames) this.eventNames.add(name);
      else if (requirement?.needles) this.needles.push(...requirement.needles);
      else everyRecord = true;
    }
    this.everyRecord = everyRecord;
    this.prefilter = new FieldPrefilter(rules.map((rule) => rule.match));
    this.alertReads = alertReadsOf(rules);
  }

  /** False when no rule can match the record whose JSON is `raw` (true says: parse it and look). */
  isCandidate(raw: Buffer): boolean {
    if (this.everyRecord) return true;
    let from = raw.indexOf(EVENT_NAME_KEY);
    if (from < 0) return true;
    while (from >= 0) {
      const start = from + EVENT_NAME_KEY.length;
      const end = raw.indexOf(QUOTE, start);
      if (end < 0) return true;
      if (raw[end - 1] === BACKSLASH) return true; // an escaped quote in the name: let the parse decide
      if (this.eventNames.has(raw.toString('latin1', start, end))) return true;
      from = raw.indexOf(EVENT_NAME_KEY, end);
    }
    for (const needle of this.needles) if (raw.includes(needle)) return true;
    return false;
  }

  /** The rules `event` matches, in the order of the rules file. */
  matches(event: Event): Rule[] {
    const matched: Rule[] = [];
    for (const { rule, test } of this.compiled) if (test(event)) matched.push(rule);
    return matched;
  }

  /** The rules at `positions` (in the rules file, ascending) that `event` matches, in that order. */
  matchesAmong(event: Event, positions: readonly number[]): Rule[] {
    const matched: Rule[] = [];
    for (const position of positions) {
      const { rule, test } = this.compiled[position]!;
      if (test(event)) matched.push(rule);
    }
    return matched;
  }
}

/**
 * The values at a dotted path, array positions dropped (as `ct.pairs` flattens them): scalars as text,
 * objects and arrays as themselves. null is no value.
 */
export function valuesAt(event: unknown, segments: readonly string[]): unknown[] {
  const found: unknown[] = [];
  collect(event, segments, 0, found);
  return found;
}

function collect(value: unknown, segments: readonly string[], depth: number, found: unknown[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, segments, depth, found);
    return;
  }
  if (depth === segments.length) {
    found.push(value);
    return;
  }
  if (typeof value !== 'object') return;
  collect((value as Event)[segments[depth] as string], segments, depth + 1, found);
}

/** The first of `textsAt(event, path)`, found without collecting the others. */
export function firstTextAt(event: unknown, path: string): string | undefined {
  return firstText(event, path.includes('.') ? path.split('.') : [path], 0);
}

function firstText(value: unknown, segments: readonly string[], depth: number): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = firstText(item, segments, depth);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (depth === segments.length) return typeof value === 'object' ? undefined : String(value);
  if (typeof value !== 'object') return undefined;
  return firstText((value as Event)[segments[depth] as string], segments, depth + 1);
}

/** The leaves at a path as `ct.pairs` texts. */
export function textsAt(event: unknown, path: string): string[] {
  const texts: string[] = [];
  for (const value of valuesAt(event, path.split('.'))) {
    if (typeof value !== 'object') texts.push(String(value));
  }
  return texts;
}

function compile(condition: Condition): Predicate {
  if ('all' in condition) {
    const parts = condition.all.map(compile);
    return (event) => parts.every((part) => part(event));
  }
  if ('any' in condition) {
    const parts = condition.any.map(compile);
    return (event) => parts.some((part) => part(event));
  }
  if ('not' in condition) {
    const inner = compile(condition.not);
    return (event) => !inner(event);
  }
  const segments = condition.field.split('.');
  if ('exists' in condition) {
    const wanted = condition.exists;
    return (event) => valuesAt(event, segments).length > 0 === wanted;
  }
  const test = leafTest(condition);
  return (event) => {
    for (const value of valuesAt(event, segments)) {
      if (typeof value !== 'object' && test(String(value))) return true;
    }
    return false;
  };
}

function leafTest(condition: Condition): (text: string) => boolean {
  if ('equals' in condition) return (text) => text === condition.equals;
  if ('in' in condition) {
    const values = new Set(condition.in);
    return (text) => values.has(text);
  }
  if ('prefix' in condition) return (text) => text.startsWith(condition.prefix);
  if ('glob' in condition) {
    const pattern = globPattern(condition.glob);
    return (text) => pattern.test(text);
  }
  throw new Error('unreachable: conditions are checked when rules load');
}

function requirementOf(condition: Condition): Requirement | undefined {
  if ('not' in condition) return undefined;
  if ('all' in condition) {
    const parts = condition.all.map(requirementOf);
    return parts.find((part) => part?.eventNames) ?? parts.find((part) => part?.needles);
  }
  if ('any' in condition) {
    const parts = condition.any.map(requirementOf);
    if (parts.some((part) => part === undefined)) return undefined;
    // Union: a record is a candidate when it can meet any branch.
    const needles = parts.flatMap((part) => part!.needles ?? [...part!.eventNames!].map(needle));
    return needles.every((n): n is Buffer => n !== undefined) ? { needles } : undefined;
  }
  if ('exists' in condition) return undefined;
  const values = 'equals' in condition ? [condition.equals] : 'in' in condition ? condition.in : undefined;
  if (condition.field === 'eventName' && values) return { eventNames: new Set(values) };
  const literals =
    values ??
    ('prefix' in condition
      ? [condition.prefix]
      : 'glob' in condition
        ? [longestLiteral(condition.glob)]
        : []);
  const needles = literals.map(needle);
  if (needles.length === 0 || needles.some((n) => n === undefined)) return undefined;
  return { needles: needles as Buffer[] };
}

/** The bytes a text has inside a JSON string when it has no character JSON would escape; else undefined. */
function needle(text: string): Buffer | undefined {
  if (text.length < 3 || !/^[\x20-\x7e]+$/.test(text) || /["\\]/.test(text)) return undefined;
  return Buffer.from(text, 'latin1');
}

function longestLiteral(glob: string): string {
  return glob.split(/[*?]/).reduce((longest, part) => (part.length > longest.length ? part : longest), '');
}
