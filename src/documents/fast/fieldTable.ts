/**
 * The typed-field table (typedFields.ts) as the fast path looks it up: by a key's bytes, with no key
 * string. Each builder compiles its own tables: they also learn (which key follows which, which keys an
 * object already had), so they are per-builder state.
 */
import { DERIVATION_LEAF_NAMES, DERIVATION_LEAVES, MFA_USED_OBJECT } from '../derived.js';
import { READ_FIELDS, READ_OBJECTS } from '../recordFields.js';
import { RESERVED_ROOT_FIELDS, TYPED_FIELDS, type FieldTable } from '../typedFields.js';

export const LEAF_OTHER = 1; // keyword, text, date: strings, numbers, booleans, null and arrays of them
export const LEAF_BOOLEAN = 2; // JSON booleans and exactly "true", "false", ""
export const RESERVED = 3; // a root name the builder writes itself (`@timestamp`, `ct`)
export const FREE_SPAN = 4; // a free-form root value whose bytes are noted (READ_OBJECTS: recordFields.ts)

/** The FREE_SPAN whose bytes the derived fields may read (derived.ts): its position in READ_OBJECTS. */
export const MFA_USED_SPAN = (READ_OBJECTS as readonly string[]).indexOf(MFA_USED_OBJECT);
if (MFA_USED_SPAN < 0)
  throw new Error(`READ_OBJECTS must hold ${MFA_USED_OBJECT} (the derived fields read it)`);

export const CAPTURE_EVENT_TIME = 1;
export const CAPTURE_EVENT_ID = 2;
export const CAPTURE_SOURCE_IP = 3;
export const CAPTURE_RECORD_TIMESTAMP = 4;
/** Only handed to extensions (a value of READ_FIELDS: recordFields.ts). */
export const CAPTURE_READ_FIELD = 8;

export class Spec {
  /** Whether the value can write pairs, so the walk needs its path (typed leaves write none). */
  readonly pathed: boolean;

  constructor(
    readonly leaf: number, // 0 for an object
    readonly object: Table | undefined,
    readonly capture: number,
    /** Its position in READ_FIELDS (handed to extensions), a FREE_SPAN's in READ_OBJECTS, or -1. */
    readonly read = -1,
    /** The derivation input this typed leaf is (its number in DERIVATION_LEAF_NAMES), or -1. */
    readonly derived = -1,
  ) {
    this.pathed = leaf === 0 || leaf === RESERVED || leaf === FREE_SPAN;
  }
}

const EMPTY_NAME = Buffer.alloc(0);

/**
 * Open addressing on a cheap hash of a key's length and three of its bytes (first, middle, last):
 * no pass over the whole key before the one byte compare that confirms a match.
 */
export class Table {
  readonly mask: number;
  readonly lengths: Int32Array; // 0: free slot (names are never empty)
  readonly names: Buffer[];
  readonly specs: (Spec | undefined)[];
  /** Per slot, the serial of the last object where this name was seen (duplicate keys). */
  readonly seen: Int32Array;
  /**
   * The slot of the key that followed the key in a slot last time (objects of one source repeat
   * their key order), at `size` the first key's, at `size + 1` the one after a free-form key; -1:
   * none. Only names that scanKey would take as they are (see `plain`) are predicted.
   */
  readonly next: Int32Array;
  /** Per slot, whether the name is a plain key: no `"`, `\`, `.`, control character or leading digit. */
  readonly plain: Uint8Array;
  /**
   * Each name in its quotes, `"name"` (at least 4 bytes), as little-endian four-byte words to compare
   * a key with (see `quotes`): from `wordAt[slot]`, one per 4 bytes, the last one ending at the
   * closing quote (it overlaps the one before when the length is not a multiple of 4).
   */
  readonly words: Int32Array;
  readonly wordAt: Int32Array;

  constructor(entries: [string, Spec][]) {
    let size = 16;
    while (size < entries.length * 4) size *= 2;
    this.mask = size - 1;
    this.lengths = new Int32Array(size);
    this.names = new Array<Buffer>(size).fill(EMPTY_NAME);
    this.specs = new Array<Spec | undefined>(size).fill(undefined);
    this.seen = new Int32Array(size);
    this.next = new Int32Array(size + 2).fill(-1);
    this.plain = new Uint8Array(size);
    this.wordAt = new Int32Array(size);
    const words: number[] = [];
    for (const [name, spec] of entries) {
      const bytes = Buffer.from(name, 'utf8');
      let slot = shortHash(bytes, 0, bytes.length) & this.mask;
      while (this.lengths[slot] !== 0) slot = (slot + 1) & this.mask;
      this.lengths[slot] = bytes.length;
      this.names[slot] = bytes;
      this.specs[slot] = spec;
      this.plain[slot] = isPlainKey(bytes) ? 1 : 0;
      this.wordAt[slot] = words.length;
      const quoted = Buffer.from(`"${name}"`, 'utf8');
      const last = quoted.length - 4;
      for (let i = 0; i < last; i += 4) words.push(quoted.readInt32LE(i));
      words.push(quoted.readInt32LE(last));
    }
    this.words = Int32Array.from(words);
  }

  /**
   * Whether `view` holds the name of `slot` in its quotes at `at` (before `end`), compared by
   * words (see `words`).
   */
  quotes(view: DataView, at: number, end: number, slot: number): boolean {
    const n = this.lengths[slot]!;
    const last = n - 2; // where the last word starts: `"name"` less 4 bytes
    if (at + n + 2 > end) return false;
    const words = this.words;
    let word = this.wordAt[slot]!;
    for (let i = 0; i < last; i += 4) if (view.getInt32(at + i, true) !== words[word++]) return false;
    return view.getInt32(at + last, true) === words[word];
  }

  /** The slot of the key scanned at `bytes[start, end)` (not empty, in quotes), or -1. */
  slot(bytes: Buffer, view: DataView, start: number, end: number): number {
    const length = end - start;
    let slot = shortHash(bytes, start, end) & this.mask;
    for (;;) {
      const n = this.lengths[slot]!;
      if (n === 0) return -1;
      if (n === length && this.quotes(view, start - 1, end + 1, slot)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** A key scanKey takes as it is, with no dot and no leading digit (see Table.next). */
function isPlainKey(bytes: Buffer): boolean {
  if (bytes.length === 0 || (bytes[0]! >= 0x30 && bytes[0]! <= 0x39)) return false;
  for (const b of bytes) if (b < 0x20 || b === 0x22 || b === 0x2e || b === 0x5c) return false;
  return true;
}

function shortHash(bytes: Buffer, start: number, end: number): number {
  const length = end - start;
  return (
    Math.imul(
      Math.imul(Math.imul(length, 0x9e3779b1) ^ bytes[start]!, 0x01000193) ^ bytes[end - 1]!,
      0x01000193,
    ) ^
    (bytes[start + (length >> 1)]! * 0x5bd1)
  );
}

const DERIVED_BY_PATH = new Map<string, number>(
  DERIVATION_LEAF_NAMES.map((name, leaf) => [DERIVATION_LEAVES[name], leaf]),
);

/** One builder's compiled tables: the root (the record) and every typed object below it. */
export class FieldTables {
  readonly all: Table[] = [];
  readonly root: Table;

  constructor() {
    this.root = this.compile(TYPED_FIELDS, '');
  }

  /** Forgets which objects saw which keys (when object serials start again from 0). */
  clearSeen(): void {
    for (const table of this.all) table.seen.fill(0);
  }

  /** `path`: the table's dotted path in the record, '' for the record itself. */
  private compile(table: FieldTable, path: string): Table {
    const root = path === '';
    const entries: [string, Spec][] = [];
    for (const [name, field] of Object.entries(table)) {
      const fieldPath = root ? name : `${path}.${name}`;
      if (typeof field !== 'string') {
        entries.push([name, new Spec(0, this.compile(field.properties, fieldPath), 0)]);
        continue;
      }
      const read = (READ_FIELDS as readonly string[]).indexOf(fieldPath);
      // The walker notes a read field's text without the boolean check a boolean leaf needs.
      if (read >= 0 && field === 'boolean') throw new Error(`READ_FIELDS: ${fieldPath} is a boolean field`);
      let capture = read >= 0 ? CAPTURE_READ_FIELD : 0;
      if (root && name === 'eventTime') capture = CAPTURE_EVENT_TIME;
      if (root && name === 'eventID') capture = CAPTURE_EVENT_ID;
      if (root && name === 'sourceIPAddress') capture = CAPTURE_SOURCE_IP;
      const leaf = field === 'boolean' ? LEAF_BOOLEAN : LEAF_OTHER;
      entries.push([name, new Spec(leaf, undefined, capture, read, DERIVED_BY_PATH.get(fieldPath) ?? -1)]);
    }
    if (root) {
      READ_OBJECTS.forEach((name, position) => {
        entries.push([name, new Spec(FREE_SPAN, undefined, 0, position)]);
      });
      for (const name of RESERVED_ROOT_FIELDS) {
        const capture = name === '@timestamp' ? CAPTURE_RECORD_TIMESTAMP : 0;
        entries.push([name, new Spec(RESERVED, undefined, capture)]);
      }
    }
    const compiled = new Table(entries);
    this.all.push(compiled);
    return compiled;
  }
}
