/**
 * The fast path's walk over one record: typed members are checked against the field table (as
 * shape.ts's inspectRecord does), free-form values are written as pairs and text (as pairs.ts's
 * PairCollector does), and the root values the document needs are captured: eventTime, eventID,
 * sourceIPAddress (decoded only when they cannot be read in place), and a root `@timestamp` or `ct`,
 * which a canonical record has cut out of its bytes.
 *
 * Recursion is bounded: a value nested MAX_WALK_DEPTH levels down bails.
 */
import { DERIVATION_LEAF_NAMES } from '../derived.js';
import { isDottedQuadAt } from '../head.js';
import { MAX_WALK_DEPTH } from '../limits.js';
import { RecordFields, UNREAD } from '../recordFields.js';
import { bail } from './bail.js';
import {
  CAPTURE_EVENT_ID,
  CAPTURE_EVENT_TIME,
  CAPTURE_READ_FIELD,
  CAPTURE_RECORD_TIMESTAMP,
  CAPTURE_SOURCE_IP,
  FREE_SPAN,
  LEAF_BOOLEAN,
  LEAF_OTHER,
  MFA_USED_SPAN,
  RESERVED,
  type FieldTables,
  type Spec,
  type Table,
} from './fieldTable.js';
import type { KeyGuard } from './keyGuard.js';
import type { PairsWriter } from './pairsWriter.js';
import { MAX_PATH_BYTES, type RecordScanner } from './recordScanner.js';

/** A root member the reference displaces into `ct.original` (`@timestamp`, `ct`), cut out of the bytes. */
export class Cut {
  keyStart = 0; // the key's content
  keyEnd = 0;
  valueStart = 0;
  valueEnd = 0;
  start = 0; // the bytes left out of the source: the member and one comma next to it
  end = 0;
}

/** An array is no time, id or address: any array will do as the captured value. */
const ARRAY_VALUE: unknown = Object.freeze([]);

/** RecordWalker.leafStarts for a leaf that is absent (or not a string or boolean), true or false. */
export const LEAF_ABSENT = -1;
export const LEAF_TRUE = -2;
export const LEAF_FALSE = -3;

export class RecordWalker {
  /** One per reserved name (a repeated name bails). */
  readonly cuts = [new Cut(), new Cut()];
  cutCount = 0;
  /** The value of the record's own `@timestamp`, when it has one. */
  recordTimestamp: unknown;
  eventTime: unknown;
  /** Where eventTime's content starts when it is `YYYY-MM-DDTHH:MM:SS[.mmm]Z`, else -1. */
  eventTimeAt = -1;
  /** 20, or 24 with milliseconds. */
  eventTimeLength = 0;
  eventID: unknown;
  /** Its UTF-8 size, when a string. */
  eventIDBytes = 0;
  sourceIPAddress: unknown;
  /** Where sourceIPAddress's content starts when it is a dotted quad (then written as it is), else -1. */
  sourceIpAt = -1;
  sourceIpEnd = 0;
  /** The values handed to extensions, as spans of the scanned bytes (recordFields.ts). */
  readonly fields = new RecordFields();
  /**
   * The typed leaves the derived fields read (derived.ts), by their number in DERIVATION_LEAF_NAMES:
   * where a string's content starts (else LEAF_ABSENT, LEAF_TRUE or LEAF_FALSE) and ends, and whether it
   * has escapes (RecordScanner.strFlags). Nothing is decoded here (see DerivedFields).
   */
  readonly leafStarts = new Int32Array(DERIVATION_LEAF_NAMES.length);
  readonly leafEnds = new Int32Array(DERIVATION_LEAF_NAMES.length);
  readonly leafFlags = new Int32Array(DERIVATION_LEAF_NAMES.length);
  /** Where the root `additionalEventData` value's bytes start and end (-1: none). */
  freeSpanStart = -1;
  freeSpanEnd = -1;
  /** How many arrays of typed objects enclose the walk (a leaf inside one is no derivation input). */
  private typedArrays = 0;

  constructor(
    private readonly scanner: RecordScanner,
    private readonly pairs: PairsWriter,
    private readonly keys: KeyGuard,
    private readonly tables: FieldTables,
  ) {}

  /** Walks the record loaded into the scanner (positioned after its `{`). */
  walk(): void {
    this.cutCount = 0;
    this.recordTimestamp = undefined;
    this.eventTime = undefined;
    this.eventTimeAt = -1;
    this.eventTimeLength = 0;
    this.eventID = undefined;
    this.sourceIPAddress = undefined;
    this.sourceIpAt = -1;
    this.freeSpanStart = -1;
    this.typedArrays = 0;
    this.leafStarts.fill(LEAF_ABSENT);
    const scanner = this.scanner;
    this.fields.startScan(scanner.src);
    scanner.ws();
    if (scanner.src[scanner.pos] === 0x7d) bail('not-an-object'); // the empty record: rare, left to the reference
    this.typedMembers(this.tables.root, 0, true);
    if (scanner.pos !== scanner.end) bail('invalid-json');
  }

  /** A free-form value at the scanner's position, `depth` as PairCollector counts. */
  private walkFree(depth: number): void {
    const scanner = this.scanner;
    const pairs = this.pairs;
    const b = scanner.src[scanner.pos];
    if (b === 0x22) {
      pairs.freeString(scanner);
    } else if (b === 0x7b) {
      if (depth >= MAX_WALK_DEPTH) bail('too-deep'); // the reference moves it aside, tagged `depth-limited`
      if (!scanner.enter(0x7d)) return;
      const keys = this.keys;
      const base = pairs.pathLen;
      const keyBase = keys.top;
      do {
        scanner.scanKey(pairs.path, pairs.pathWords, base + 1);
        if (scanner.keyDot && !pairs.dedupAll) pairs.dedupEverything();
        keys.checkFree(scanner.src, scanner.strStart, scanner.strEnd, keyBase);
        scanner.colon();
        pairs.appendPath(scanner.strStart, scanner.strEnd);
        this.walkFree(depth + 1);
        pairs.pathLen = base;
      } while (scanner.nextOrClose(0x7d));
      keys.top = keyBase;
    } else if (b === 0x5b) {
      if (depth >= MAX_WALK_DEPTH) bail('too-deep');
      if (!scanner.enter(0x5d)) return;
      pairs.enterArray();
      do this.walkFree(depth + 1);
      while (scanner.nextOrClose(0x5d));
      pairs.leaveArray();
    } else if (b === 0x74) {
      scanner.scanTrue();
      pairs.booleanLeaf(true);
    } else if (b === 0x66) {
      scanner.scanFalse();
      pairs.booleanLeaf(false);
    } else if (b === 0x6e) {
      scanner.scanNull(); // null is "no value": no pair
    } else {
      pairs.numberLeaf(scanner, scanner.scanNumber());
    }
  }

  /** The members of an object whose keys are checked against `table` (the record, or a typed object). */
  private typedMembers(table: Table, depth: number, root: boolean): void {
    const scanner = this.scanner;
    const pairs = this.pairs;
    const keys = this.keys;
    const serial = keys.newObject();
    const base = pairs.pathLen;
    const keyBase = keys.top;
    const next = table.next;
    const after = next.length - 2; // index of the first key's prediction
    let previous = after;
    do {
      // The key the previous object of this table had here: when the bytes are that name and its
      // closing quote, it is what scanKey + Table.slot would find, without either pass.
      let slot = next[previous]!;
      let start = scanner.pos + 1;
      let end = -1;
      if (slot >= 0 && table.quotes(scanner.view, scanner.pos, scanner.end, slot)) {
        const n = table.lengths[slot]!;
        end = start + n;
        scanner.pos = end + 1;
        if (table.specs[slot]!.pathed) {
          const to = root ? 0 : base + 1;
          const path = pairs.path;
          const name = table.names[slot]!;
          for (let k = 0; k < n && to + k < MAX_PATH_BYTES; k++) path[to + k] = name[k]!;
        }
      }
      if (end < 0) {
        scanner.scanKey(pairs.path, pairs.pathWords, root ? 0 : base + 1);
        start = scanner.strStart;
        end = scanner.strEnd;
        // An empty or dotted key inside a mapped object would be displaced.
        if (end === start || scanner.keyDot) bail('displaced');
        slot = table.slot(scanner.src, scanner.view, start, end);
        if (slot >= 0 && table.plain[slot] === 1) next[previous] = slot;
      }
      // A root `_` name would be displaced.
      if (root && scanner.src[start] === 0x5f) bail('displaced');
      previous = slot >= 0 ? slot : after + 1;
      let spec: Spec | undefined;
      if (slot >= 0) {
        if (table.seen[slot] === serial) bail('duplicate-key'); // a repeated typed key
        table.seen[slot] = serial;
        spec = table.specs[slot];
      } else keys.checkFree(scanner.src, start, end, keyBase);
      scanner.colon();
      if (spec === undefined || spec.pathed) {
        if (root) pairs.setPath(start, end);
        else pairs.appendPath(start, end);
      }
      if (spec === undefined) this.walkFree(0);
      else if (spec.leaf === FREE_SPAN) this.freeSpan(spec.read);
      else if (spec.leaf === RESERVED) this.displacedMember(spec, start, end);
      else if (spec.object !== undefined) this.typedObject(spec.object, depth + 1);
      else if (spec.capture !== 0 && spec.capture !== CAPTURE_READ_FIELD) this.capture(spec);
      else if (spec.derived >= 0) this.derivationLeaf(spec);
      else this.readOrTypedLeaf(spec);
      pairs.pathLen = base;
    } while (scanner.nextOrClose(0x7d));
    keys.top = keyBase;
  }

  /**
   * The record's own `@timestamp` or `ct` (key `src[keyStart, keyEnd)`, value at the scanner's
   * position): the reference moves it into `ct.original` and indexes it as pairs like a free-form
   * member. Its bytes are cut out of the source with one comma: the one before it when a kept member
   * precedes it, else the one after it (if any). The ranges assume a canonical record; FastBuilder bails
   * on any other.
   */
  private displacedMember(spec: Spec, keyStart: number, keyEnd: number): void {
    const scanner = this.scanner;
    const src = scanner.src;
    const valueStart = scanner.pos;
    this.walkFree(0);
    const end = scanner.pos;
    const memberStart = keyStart - 1; // its opening quote
    // With nothing kept before it, a member starts right after the `{` or after the previous cut.
    const count = this.cutCount;
    const nothingKept = memberStart === (count === 0 ? 1 : this.cuts[count - 1]!.end);
    const cut = this.cuts[count]!;
    this.cutCount = count + 1;
    cut.keyStart = keyStart;
    cut.keyEnd = keyEnd;
    cut.valueStart = valueStart;
    cut.valueEnd = end;
    cut.start = nothingKept ? memberStart : memberStart - 1;
    cut.end = nothingKept && src[end] === 0x2c ? end + 1 : end;
    // TimeRules reads the parsed value, whatever its type (a string or a number may be a time)
    if (spec.capture === CAPTURE_RECORD_TIMESTAMP)
      this.recordTimestamp = JSON.parse(src.toString('utf8', valueStart, end)) as unknown;
  }

  /** A value where an object is mapped: null, an object, or arrays of those (else it is displaced). */
  private typedObject(table: Table, depth: number): void {
    if (depth > MAX_WALK_DEPTH) bail('too-deep');
    const scanner = this.scanner;
    const b = scanner.src[scanner.pos];
    if (b === 0x6e) {
      scanner.scanNull();
    } else if (b === 0x5b) {
      if (!scanner.enter(0x5d)) return;
      const pairs = this.pairs;
      pairs.enterArray(); // its objects' free-form members write pairs
      this.typedArrays++;
      do this.typedObject(table, depth + 1);
      while (scanner.nextOrClose(0x5d));
      this.typedArrays--;
      pairs.leaveArray();
    } else if (b === 0x7b) {
      if (scanner.enter(0x7d)) this.typedMembers(table, depth, false);
    } else bail('displaced');
  }

  /**
   * A free-form root member (written as pairs) whose bytes are noted for the extensions (READ_OBJECTS
   * position `object`), and which the derived fields may read later.
   */
  private freeSpan(object: number): void {
    const start = this.scanner.pos;
    this.walkFree(0);
    this.fields.sawObject(object, start, this.scanner.pos);
    if (object !== MFA_USED_SPAN) return;
    this.freeSpanStart = start;
    this.freeSpanEnd = this.scanner.pos;
  }

  /**
   * A typed leaf the derived fields read: checked like any typed leaf, and a string or boolean outside
   * any array kept as the reference's parse holds it (other values are no input to the derivation).
   */
  private derivationLeaf(spec: Spec): void {
    const scanner = this.scanner;
    const b = scanner.src[scanner.pos];
    const leaf = spec.derived;
    if (this.typedArrays > 0 || spec.leaf !== LEAF_OTHER) {
      this.readOrTypedLeaf(spec);
      return;
    } else if (b === 0x22) {
      scanner.scanString();
      this.leafStarts[leaf] = scanner.strStart;
      this.leafEnds[leaf] = scanner.strEnd;
      this.leafFlags[leaf] = scanner.strFlags;
      if (spec.read >= 0)
        this.fields.saw(spec.read, scanner.strFlags === 0 ? scanner.strStart : UNREAD, scanner.strEnd);
      return;
    } else if (b === 0x74) {
      scanner.scanTrue();
      this.leafStarts[leaf] = LEAF_TRUE;
    } else if (b === 0x66) {
      scanner.scanFalse();
      this.leafStarts[leaf] = LEAF_FALSE;
    } else {
      this.readOrTypedLeaf(spec);
      return;
    }
    if (spec.read >= 0) this.fields.saw(spec.read, UNREAD, 0); // a boolean is no text
  }

  /** A typed leaf that is no derivation input: noted for the extensions if it is one of READ_FIELDS. */
  private readOrTypedLeaf(spec: Spec): void {
    if (spec.read >= 0) this.capture(spec);
    else this.typedLeaf(spec.leaf, 0);
  }

  /** A value where a leaf is mapped: checked to fit (else it would be displaced), not indexed as pairs. */
  private typedLeaf(kind: number, depth: number): void {
    const scanner = this.scanner;
    const b = scanner.src[scanner.pos];
    if (b === 0x22) {
      scanner.scanString();
      if (kind === LEAF_BOOLEAN && !scanner.isBooleanText())
        bail(scanner.strFlags === 2 ? 'escaped-boolean' : 'displaced'); // 2: a \u or \/ escape
    } else if (b === 0x74) {
      scanner.scanTrue();
    } else if (b === 0x66) {
      scanner.scanFalse();
    } else if (b === 0x6e) {
      scanner.scanNull();
    } else if (b === 0x5b) {
      if (depth > MAX_WALK_DEPTH) bail('too-deep');
      if (!scanner.enter(0x5d)) return;
      do this.typedLeaf(kind, depth + 1);
      while (scanner.nextOrClose(0x5d));
    } else {
      // An object where a leaf is mapped, or a number where a boolean is (else a number, or not JSON).
      if (b === 0x7b || kind !== LEAF_OTHER) bail('displaced');
      scanner.scanNumber();
    }
  }

  /**
   * eventTime, eventID or sourceIPAddress at the root: checked like any typed leaf, and decoded. A value
   * of READ_FIELDS (those too, or others): where its text is, noted (no string made).
   */
  private capture(spec: Spec): void {
    const scanner = this.scanner;
    const src = scanner.src;
    const b = src[scanner.pos];
    let value: unknown;
    if (b === 0x22) {
      scanner.scanString();
      const start = scanner.strStart;
      const end = scanner.strEnd;
      const plain = scanner.strFlags === 0;
      const length = end - start;
      if (spec.read >= 0) this.fields.saw(spec.read, plain ? start : UNREAD, end);
      if (spec.capture === CAPTURE_READ_FIELD) return;
      if (spec.capture === CAPTURE_EVENT_TIME && plain && (length === 20 || length === 24)) {
        this.eventTimeAt = start; // read in place (see isoTimeAt)
        this.eventTimeLength = length;
        return;
      }
      if (spec.capture === CAPTURE_SOURCE_IP && plain && !scanner.hasColonOrPercent(start, end)) {
        // Only IPv4 text can be an address (see ipOrUndefined): no string for a service name.
        // ipOrUndefined gives a dotted quad as it is, anything else here as undefined: no string.
        if (isDottedQuadAt(src, start, end)) {
          this.sourceIpAt = start;
          this.sourceIpEnd = end;
        }
        return;
      }
      value = plain
        ? src.toString('utf8', start, end)
        : (JSON.parse(src.toString('utf8', start - 1, end + 1)) as string);
    } else if (b === 0x5b) {
      this.typedLeaf(spec.leaf, 0);
      value = ARRAY_VALUE;
    } else if (b === 0x74) {
      scanner.scanTrue();
      value = true;
    } else if (b === 0x66) {
      scanner.scanFalse();
      value = false;
    } else if (b === 0x6e) {
      scanner.scanNull();
      value = null;
    } else {
      if (b === 0x7b) bail('displaced'); // an object where a leaf is mapped
      scanner.scanNumber();
      value = Number(src.toString('latin1', scanner.numStart, scanner.numEnd));
    }
    if (spec.read >= 0 && b !== 0x22 && value !== null) this.fields.saw(spec.read, UNREAD, 0); // not text
    if (spec.capture === CAPTURE_EVENT_TIME) this.eventTime = value;
    else if (spec.capture === CAPTURE_EVENT_ID) {
      this.eventID = value;
      // canonical content is the UTF-8 of the string itself; a re-encoded one is measured
      if (typeof value === 'string')
        this.eventIDBytes =
          scanner.strFlags === 0 ? scanner.strEnd - scanner.strStart : Buffer.byteLength(value);
    } else if (spec.capture === CAPTURE_SOURCE_IP) this.sourceIPAddress = value;
  }
}
