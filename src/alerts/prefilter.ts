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

/** A handed-over field whose text must be one of `texts` for a rule to match. */
interface ValueNeed {
  field: number;
  texts: Buffer[];
}

const EVENT_NAME = READ_FIELDS.indexOf('eventName');

export class FieldPrefilter {
  /** Per rule (positions in the rules file), its gate; undefined: it may match any record. */
  private readonly gates: (Gate | undefined)[];
  /**
   * Per rule, the handed-over fields it cannot match without (tested first: an absent errorCode rules
   * out most records for a rule about errors, without evaluating its gate).
   */
  private readonly needs: Int32Array[];
  /**
   * Per rule, the handed-over fields whose text it requires to be one of a few (`userIdentity.type` is
   * `Root`): a record read with another text is ruled out by a comparison or two, its gate not evaluated.
   */
  private readonly valueNeeds: ValueNeed[][];
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
    const needs = conditions.map(needsOf);
    this.needs = needs.map((fields) => Int32Array.from(fields.keys()));
    this.valueNeeds = needs.map(valueNeedsOf);
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
      if (!present || !this.hasValues(fields, this.valueNeeds[position]!)) continue;
      const truth = this.gates[position]?.(fields) ?? UNKNOWN;
      if (truth === FALSE) continue;
      maybe.push(position);
      if (truth === UNKNOWN) decided = false;
    }
    this.decided = decided;
    return maybe;
  }

  /** False when a field required to be one of a few texts was read with another. */
  private hasValues(fields: RecordFields, needs: readonly ValueNeed[]): boolean {
    for (let n = 0; n < needs.length; n++) {
      const need = needs[n]!;
      const start = fields.starts[need.field]!;
      // ABSENT was ruled out with the other needs; UNREAD cannot rule anything out.
      if (start >= 0 && !isOneOf(fields.bytes, start, fields.ends[need.field]!, need.texts)) return false;
    }
    return true;
  }
}

/**
 * What `condition` requires of the handed-over fields (positions in READ_FIELDS): each field that must
 * have a value, with the texts it must be one of (undefined: any text).
 */
function needsOf(condition: Condition): Map<number, ReadonlySet<string> | undefined> {
  if ('all' in condition) {
    const needs = new Map<number, ReadonlySet<string> | undefined>();
    for (const part of condition.all) {
      for (const [field, texts] of needsOf(part)) {
        const known = needs.get(field);
        if (!needs.has(field) || known === undefined) needs.set(field, texts);
        else if (texts !== undefined) needs.set(field, new Set([...known].filter((t) => texts.has(t))));
      }
    }
    return needs;
  }
  if ('any' in condition) {
    const [first, ...others] = condition.any.map(needsOf);
    const needs = new Map<number, ReadonlySet<string> | undefined>();
    for (const [field, texts] of first!) {
      if (!others.every((other) => other.has(field))) continue;
      const all = [texts, ...others.map((other) => other.get(field))];
      const union = all.every((set) => set !== undefined)
        ? new Set(all.flatMap((set) => [...set!]))
        : undefined;
      needs.set(field, union);
    }
    return needs;
  }
  if ('not' in condition || ('exists' in condition && !condition.exists)) return new Map();
  const field = (READ_FIELDS as readonly string[]).indexOf(condition.field);
  if (field < 0) return new Map();
  const texts = 'equals' in condition ? [condition.equals] : 'in' in condition ? condition.in : undefined;
  return new Map([[field, texts && new Set(texts)]]);
}

/** A rule's required field texts as byte tests (eventName left out: the lookup by name did that). */
function valueNeedsOf(needs: Map<number, ReadonlySet<string> | undefined>): ValueNeed[] {
  const wanted: ValueNeed[] = [];
  for (const [field, texts] of needs) {
    if (texts === undefined || field === EVENT_NAME) continue;
    wanted.push({ field, texts: [...texts].map((text) => Buffer.from(text, 'utf8')) });
  }
  return wanted;
}

/** Whether `bytes[start, end)` is one of `texts` (a rule requires a handful at most). */
function isOneOf(bytes: Buffer, start: number, end: number, texts: readonly Buffer[]): boolean {
  for (let i = 0; i < texts.length; i++) if (equalAt(bytes, start, end, texts[i]!)) return true;
  return false;
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
