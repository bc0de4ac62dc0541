/**
 * Members of the free-form root objects whose bytes the document builder notes (READ_OBJECTS in
 * src/documents/recordFields.ts), such as `responseElements.ConsoleLogin` and
 * `additionalEventData.MFAUsed`, read from those bytes with no parse and no string: the prefilter asks
 * for one only when a rule it evaluates on the record tests it (a `ConsoleLogin` event, for the
 * built-in rules), and each is looked up at most once per record.
 *
 * A member is read as the `ct.pairs` path reads it (match.ts's valuesAt): its value is a text when it
 * is one string with no escape in it, absent when the object lacks it (or is null, or is no object or
 * array), and unread (parse to know) in any other case: an array on the way, a value that is not a
 * string, an escaped key that might spell the name, a key given twice.
 */
import { ABSENT, READ_OBJECTS, UNREAD, type RecordFields } from '../documents/recordFields.js';
import { equalAt } from './byteTexts.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const NULL_START = 0x6e;

/** `object.member` when `object` is one of READ_OBJECTS and `member` names a member of it; else undefined. */
export function memberPathOf(path: string): { object: number; member: string } | undefined {
  const dot = path.indexOf('.');
  if (dot < 0 || path.indexOf('.', dot + 1) >= 0) return undefined;
  const object = (READ_OBJECTS as readonly string[]).indexOf(path.slice(0, dot));
  const member = path.slice(dot + 1);
  return object < 0 || member === '' ? undefined : { object, member };
}

/** The values of a fixed list of member paths, looked up in each record's bytes when first asked for. */
export class MemberValues {
  private readonly objects: Int32Array;
  private readonly names: Buffer[];
  /** Per path, the record (`record`) whose value `starts`/`ends` hold. */
  private readonly readFor: Int32Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private record = 0;

  /** `paths`: each one that memberPathOf accepts. */
  constructor(readonly paths: readonly string[]) {
    const members = paths.map((path) => {
      const member = memberPathOf(path);
      if (member === undefined) throw new Error(`not a member of a noted object: ${path}`);
      return member;
    });
    this.objects = Int32Array.from(members.map((member) => member.object));
    this.names = members.map((member) => Buffer.from(member.member, 'utf8'));
    this.readFor = new Int32Array(paths.length).fill(-1);
    this.starts = new Int32Array(paths.length);
    this.ends = new Int32Array(paths.length);
  }

  /** A new record is handed over: forget the values read from the last one. */
  nextRecord(): void {
    this.record = (this.record + 1) & 0x3fffffff;
  }

  /**
   * Where the text of `paths[path]` starts in `fields.bytes` (`end(path)` says where it ends), or
   * ABSENT, or UNREAD.
   */
  start(fields: RecordFields, path: number): number {
    if (this.readFor[path] !== this.record) {
      this.readFor[path] = this.record;
      const object = this.objects[path]!;
      const from = fields.objectStarts[object]!;
      this.starts[path] =
        from < 0 ? from : this.find(fields.bytes, from, fields.objectEnds[object]!, this.names[path]!, path);
    }
    return this.starts[path]!;
  }

  /** Where the text whose start `start(…, path)` gave ends. */
  end(path: number): number {
    return this.ends[path]!;
  }

  /** The member `name` of the JSON value at `bytes[from, to)`: where its text starts (its end in `ends[path]`), ABSENT or UNREAD. */
  private find(bytes: Buffer, from: number, to: number, name: Buffer, path: number): number {
    let at = space(bytes, from, to);
    const first = bytes[at];
    if (first === OPEN_ARRAY) return UNREAD; // valuesAt looks into each element
    if (first !== OPEN_OBJECT) return ABSENT; // null, a string, a number, a boolean: no members
    let found = ABSENT;
    at = space(bytes, at + 1, to);
    if (bytes[at] === CLOSE_OBJECT) return ABSENT;
    for (;;) {
      if (bytes[at] !== QUOTE) return UNREAD; // not the JSON the builder checked: leave it to the parse
      const keyStart = at + 1;
      const keyEnd = stringEnd(bytes, keyStart, to);
      if (keyEnd < 0) return UNREAD;
      const escapedKey = hasBackslash(bytes, keyStart, keyEnd);
      at = space(bytes, keyEnd + 1, to);
      if (bytes[at] !== COLON) return UNREAD;
      at = space(bytes, at + 1, to);
      const valueStart = at;
      at = valueEnd(bytes, at, to);
      if (at < 0) return UNREAD;
      if (escapedKey) {
        found = UNREAD; // it may be the name once decoded
      } else if (equalAt(bytes, keyStart, keyEnd, name)) {
        if (found !== ABSENT) return UNREAD; // given twice: JSON.parse keeps the last
        found = this.valueText(bytes, valueStart, at, path);
      }
      at = space(bytes, at, to);
      if (bytes[at] === CLOSE_OBJECT) return found;
      if (bytes[at] !== COMMA) return UNREAD;
      at = space(bytes, at + 1, to);
    }
  }

  /** A member's value at `bytes[start, end)`: a plain string's text, ABSENT (null) or UNREAD. */
  private valueText(bytes: Buffer, start: number, end: number, path: number): number {
    if (bytes[start] === NULL_START) return ABSENT;
    if (bytes[start] !== QUOTE) return UNREAD; // a number, boolean, object or array: parse to know
    const textEnd = end - 1;
    if (hasBackslash(bytes, start + 1, textEnd)) return UNREAD;
    this.ends[path] = textEnd;
    return start + 1;
  }
}

function space(bytes: Buffer, at: number, to: number): number {
  while (at < to) {
    const b = bytes[at]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return at;
    at++;
  }
  return at;
}

/** Where the string whose content starts at `at` ends (its closing quote), or -1 past `to`. */
function stringEnd(bytes: Buffer, at: number, to: number): number {
  while (at < to) {
    const b = bytes[at]!;
    if (b === QUOTE) return at;
    at += b === BACKSLASH ? 2 : 1;
  }
  return -1;
}

/** Where the JSON value starting at `at` ends (just past it), or -1 when it runs past `to`. */
function valueEnd(bytes: Buffer, at: number, to: number): number {
  const first = bytes[at];
  if (first === QUOTE) {
    const end = stringEnd(bytes, at + 1, to);
    return end < 0 ? -1 : end + 1;
  }
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    while (at < to) {
      const b = bytes[at]!;
      if (b === QUOTE) {
        const end = stringEnd(bytes, at + 1, to);
        if (end < 0) return -1;
        at = end + 1;
        continue;
      }
      if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
      else if ((b === CLOSE_OBJECT || b === CLOSE_ARRAY) && --depth === 0) return at + 1;
      at++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next separator.
  while (at < to) {
    const b = bytes[at]!;
    if (b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY || b <= 0x20) return at;
    at++;
  }
  return at;
}

function hasBackslash(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] === BACKSLASH) return true;
  return false;
}
