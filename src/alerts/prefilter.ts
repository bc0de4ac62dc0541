/**
 * The rules' prefilter on the values the document builder hands over with each record (eventName,
 * eventSource, errorCode, userIdentity.type: src/documents/recordFields.ts), so that the records no rule
 * can match (nearly all of them) cost a few lookups: no parse, no search through the record, no string.
 * A member of a free-form object whose bytes the builder notes (`responseElements.ConsoleLogin`) is
 * looked up in those bytes when a rule evaluated on the record tests it (memberValues.ts).
 *
 * Each rule's condition is evaluated on what is known, in three-valued logic: a test of a handed-over
 * value is true or false, anything else (another path, a value the builder did not read as plain text)
 * is unknown; `all`, `any` and `not` combine them as usual. A rule whose condition is false cannot match
 * the record; true or unknown, the record is parsed and the rule evaluated on the parse (match.ts). So
 * the prefilter only ever lets through more records than match, never fewer.
 *
 * Most rules require a few eventName values: they are looked up by the record's eventName, and only
 * those and the rules that require none are evaluated.
 */
import { ABSENT, READ_FIELDS, UNREAD, type RecordFields } from '../documents/recordFields.js';
import { ByteTextMap, endsAt, equalAt, holdsAt, startsAt } from './byteTexts.js';
import { MemberValues, memberPathOf } from './memberValues.js';
import { globPattern, type Condition } from './rules.js';

const FALSE = 0;
const TRUE = 1;
const UNKNOWN = 2;
type Truth = typeof FALSE | typeof TRUE | typeof UNKNOWN;

/** A condition evaluated on the handed-over values; undefined: unknown whatever the record. */
type Gate = (fields: RecordFields) => Truth;

const EVENT_NAME = READ_FIELDS.indexOf('eventName');

export class FieldPrefilter {
  /** Per rule (positions in the rules file), its gate; undefined: it may match any record. */
  private readonly gates: (Gate | undefined)[];
  /**
   * Per rule, the handed-over fields it cannot match without (tested first: an absent errorCode rules
   * out most records for a rule about errors, without evaluating its gate).
   */
  private readonly needs: Int32Array[];
  /** By eventName: the rules to evaluate, in order (those requiring that name, and those requiring none). */
  private readonly byEventName = new ByteTextMap<number[]>();
  /** The rules to evaluate for any other eventName, or none: those requiring no eventName value. */
  private readonly anyEventName: number[];
  private readonly every: number[];
  /** The answer of the last `mayMatch` (one array, reused). */
  private readonly maybe: number[] = [];
  /** Whether the last `mayMatch` decided that each rule it gave does match (no condition left unknown). */
  decided = false;
  /** The free-form members the rules test, read from the record's bytes when a gate asks. */
  private readonly members: MemberValues;

  constructor(conditions: readonly Condition[]) {
    this.members = new MemberValues([...new Set(conditions.flatMap(memberPathsOf))]);
    this.gates = conditions.map((condition) => gateOf(condition, this.members));
    this.needs = conditions.map((condition) => Int32Array.from(needsOf(condition)));
    this.every = conditions.map((_, position) => position);
    const required = conditions.map(eventNamesOf);
    const names = new Set(required.flatMap((set) => [...(set ?? [])]));
    for (const name of names) {
      this.byEventName.set(
        name,
        this.every.filter((position) => required[position]?.has(name) ?? true),
      );
    }
    this.anyEventName = this.every.filter((position) => required[position] === undefined);
  }

  /**
   * The positions of the rules that may match the record, in order (empty: none can). The array is
   * reused by the next call.
   */
  mayMatch(fields: RecordFields): readonly number[] {
    this.members.nextRecord();
    const start = fields.starts[EVENT_NAME]!;
    if (start === UNREAD) {
      this.decided = false;
      return this.every;
    }
    const candidates =
      (start !== ABSENT && this.byEventName.get(fields.bytes, start, fields.ends[EVENT_NAME]!)) ||
      this.anyEventName;
    const maybe = this.maybe;
    if (maybe.length !== 0) maybe.length = 0; // a call into the runtime even when it is 0 already
    const starts = fields.starts;
    let decided = true;
    for (let i = 0; i < candidates.length; i++) {
      const position = candidates[i]!;
      const needs = this.needs[position]!;
      let present = true;
      for (let n = 0; n < needs.length && present; n++) present = starts[needs[n]!] !== ABSENT;
      if (!present) continue;
      const truth = this.gates[position]?.(fields) ?? UNKNOWN;
      if (truth === FALSE) continue;
      maybe.push(position);
      if (truth === UNKNOWN) decided = false;
    }
    this.decided = decided;
    return maybe;
  }
}

/** The handed-over fields (positions in READ_FIELDS) that must have a value for `condition` to hold. */
function needsOf(condition: Condition): Set<number> {
  if ('all' in condition) return new Set(condition.all.flatMap((part) => [...needsOf(part)]));
  if ('any' in condition) {
    const [first, ...others] = condition.any.map(needsOf);
    return new Set([...first!].filter((field) => others.every((needs) => needs.has(field))));
  }
  if ('not' in condition || ('exists' in condition && !condition.exists)) return new Set();
  const field = (READ_FIELDS as readonly string[]).indexOf(condition.field);
  return new Set(field < 0 ? [] : [field]);
}

/** The eventName values a record must have to meet `condition`; undefined: no such requirement. */
function eventNamesOf(condition: Condition): ReadonlySet<string> | undefined {
  if ('all' in condition) {
    for (const part of condition.all) {
      const names = eventNamesOf(part);
      if (names) return names;
    }
    return undefined;
  }
  if ('any' in condition) {
    const union = new Set<string>();
    for (const part of condition.any) {
      const names = eventNamesOf(part);
      if (names === undefined) return undefined;
      for (const name of names) union.add(name);
    }
    return union;
  }
  if ('not' in condition || condition.field !== 'eventName') return undefined;
  if ('equals' in condition) return new Set([condition.equals]);
  if ('in' in condition) return new Set(condition.in);
  return undefined;
}

/** The paths `condition` tests that are members of a free-form object the builder notes. */
function memberPathsOf(condition: Condition): string[] {
  if ('all' in condition) return condition.all.flatMap(memberPathsOf);
  if ('any' in condition) return condition.any.flatMap(memberPathsOf);
  if ('not' in condition) return memberPathsOf(condition.not);
  const typed = (READ_FIELDS as readonly string[]).includes(condition.field);
  return !typed && memberPathOf(condition.field) ? [condition.field] : [];
}

function gateOf(condition: Condition, members: MemberValues): Gate | undefined {
  if ('all' in condition || 'any' in condition) {
    const all = 'all' in condition;
    const parts = (all ? condition.all : condition.any).map((part) => gateOf(part, members));
    const known = parts.filter((part): part is Gate => part !== undefined);
    if (known.length === 0) return undefined;
    const unknown = known.length < parts.length;
    // all: false decides, any: true decides; otherwise unknown when any part is.
    const decisive = all ? FALSE : TRUE;
    const otherwise = all ? TRUE : FALSE;
    return (fields) => {
      let sure = !unknown;
      for (const part of known) {
        const truth = part(fields);
        if (truth === decisive) return decisive;
        if (truth === UNKNOWN) sure = false;
      }
      return sure ? otherwise : UNKNOWN;
    };
  }
  if ('not' in condition) {
    const inner = gateOf(condition.not, members);
    if (inner === undefined) return undefined;
    return (fields) => {
      const truth = inner(fields);
      return truth === UNKNOWN ? UNKNOWN : truth === TRUE ? FALSE : TRUE;
    };
  }
  const truth = leafTruth(condition);
  const field = (READ_FIELDS as readonly string[]).indexOf(condition.field);
  if (field >= 0) return (fields) => truth(fields.bytes, fields.starts[field]!, fields.ends[field]!);
  const member = members.paths.indexOf(condition.field);
  if (member < 0) return undefined;
  return (fields) => truth(fields.bytes, members.start(fields, member), members.end(member));
}

/** A leaf condition on a value whose text is `bytes[start, end)` (start ≥ 0), or that is ABSENT or UNREAD. */
function leafTruth(condition: Condition): (bytes: Buffer, start: number, end: number) => Truth {
  if ('exists' in condition) {
    const wanted = condition.exists;
    return (_bytes, start) => {
      if (start === UNREAD) return UNKNOWN;
      return (start !== ABSENT) === wanted ? TRUE : FALSE;
    };
  }
  const test = textTest(condition);
  return (bytes, start, end) => {
    if (start === UNREAD) return UNKNOWN;
    if (start === ABSENT) return FALSE;
    return test(bytes, start, end) ? TRUE : FALSE;
  };
}

type TextTest = (bytes: Buffer, start: number, end: number) => boolean;

/** A leaf's test (match.ts's leafTest) on a value's bytes. */
function textTest(condition: Condition): TextTest {
  if ('equals' in condition) {
    const text = Buffer.from(condition.equals, 'utf8');
    return (bytes, start, end) => equalAt(bytes, start, end, text);
  }
  if ('in' in condition) {
    const texts = new ByteTextMap<true>();
    for (const text of condition.in) texts.set(text, true);
    return (bytes, start, end) => texts.get(bytes, start, end) === true;
  }
  if ('prefix' in condition) {
    const text = Buffer.from(condition.prefix, 'utf8');
    return (bytes, start, end) => startsAt(bytes, start, end, text);
  }
  if ('glob' in condition) return globTest(condition.glob);
  throw new Error('unreachable: conditions are checked when rules load');
}

/** `L`, `L*`, `*L` and `*L*` on the bytes; any other glob on the decoded text. */
function globTest(glob: string): TextTest {
  const literal = /^(\*?)([^*?]*)(\*?)$/.exec(glob);
  if (literal) {
    const [, before, middle, after] = literal as unknown as [string, string, string, string];
    const text = Buffer.from(middle, 'utf8');
    if (before && after) return (bytes, start, end) => holdsAt(bytes, start, end, text);
    if (before) return (bytes, start, end) => endsAt(bytes, start, end, text);
    if (after) return (bytes, start, end) => startsAt(bytes, start, end, text);
    return (bytes, start, end) => equalAt(bytes, start, end, text);
  }
  const pattern = globPattern(glob);
  return (bytes, start, end) => pattern.test(bytes.toString('utf8', start, end));
}
