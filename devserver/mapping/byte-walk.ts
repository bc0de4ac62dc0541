/**
 * The indexing fast path: walks a document's UTF-8 bytes once against the mapping, without JSON.parse.
 * Unmapped subtrees (`dynamic: false`, `enabled: false`) are validated byte by byte and never
 * materialised; mapped leaves get exactly the values DocumentWalk (document-parser.ts) gives them, in
 * the same order. It handles only what it can reproduce exactly: on anything else (a syntax error, a
 * duplicate key, an escaped key, a dotted or numeric key in a walked object, a new field under any
 * `dynamic` but `false`, a value that fails, an immense term, depth past the limit, a null_value, a
 * flat_object, ...) it gives up and the caller runs parseDocument, which owns every error text.
 *
 * Per mapping node the work is compiled once (children by key bytes, each leaf's plan), like LeafPlans.
 */
import { NumberToken } from '../json.js';
import type { LeafPlan, LeafPlans } from './leaf-plans.js';
import { isObjectNode, keywordLikeTypes, ownDynamic, type DynamicMode, type MappingNode } from './model.js';
import type { ParseTarget } from './document-parser.js';
import type { PendingValues } from './pending-values.js';
import {
  MalformedValue,
  convertValue,
  maxTermBytes,
  supportsIgnoreMalformed,
  type ScalarValue,
} from './values.js';

/** The document needs the exact walk (document-parser.ts); thrown inside, caught by walk(). */
class Unsupported extends Error {}

/** Node's own Buffer method (not in its typings): a latin1 copy without toString's dispatch. */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/** Bytes where a string's byte loop stops: the quote, a backslash, control characters (a constant). */
const stringStops = new Uint8Array(256);
for (let byte = 0; byte < 32; byte++) stringStops[byte] = 1;
stringStops[34] = 1;
stringStops[92] = 1;

/** Bytes where an indexed string's loop stops: those above, and non-ASCII (latin1 would misread it). */
const textStops = stringStops.slice();
textStops.fill(1, 128);

/** Bytes where a key's loop stops: the quote, a backslash, control characters, and the dot. */
const keyStops = stringStops.slice();
keyStops[46] = 1;

/** Skipped values nest at most this deep before the walk hands them to parseDocument (no deep recursion). */
const maxSkipDepth = 256;

interface LeafStep {
  path: string;
  node: MappingNode;
  plan: LeafPlan;
  /** A keyword that indexes a string as itself (below ignore_above): no convertValue call. */
  plainKeyword: boolean;
  ignoreAbove: number;
  subFields: LeafStep[];
}

interface ChildStep {
  hash: number;
  bytes: Buffer;
  /** The next child whose name hashes alike. */
  next: ChildStep | undefined;
  node: MappingNode;
  path: string;
  /** The walked object in which this key was last seen (a duplicate fails in JSON). */
  seen: number;
  /** Values are skipped: an object with `enabled: false`. */
  disabled: boolean;
  /** Set for object children (compiled when first met), undefined for leaves. */
  object: ObjectStep | undefined;
  leaf: LeafStep | undefined;
  /** A leaf this walk does not reproduce (flat_object, or one as a multi-field). */
  unsupported: boolean;
  /** The effective `dynamic` under an object child. */
  dynamic: DynamicMode;
}

interface ObjectStep {
  path: string;
  dynamic: DynamicMode;
  /** Children by hash (`hash & mask`), chained through `next`: cheaper than a Map lookup. */
  buckets: (ChildStep | undefined)[];
  mask: number;
}

interface CompiledRoot {
  plans: LeafPlans;
  step: ObjectStep;
}

/**
 * A cheap hash of a key: its length and four of its bytes (no loop). Equal hashes are always confirmed
 * byte by byte, so collisions only cost a comparison.
 */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0) return 0;
  const hash =
    Math.imul(length, 0x9e3779b1) ^
    bytes[start]! ^
    (bytes[end - 1]! << 8) ^
    (bytes[start + (length >> 1)]! << 16) ^
    (bytes[start + (length >> 2)]! << 24);
  return hash | 0;
}

/** True when `Number(token)` prints back as `token`, as json-fast.ts decides for JSON.parse. */
function readsBack(token: string): boolean {
  if (token.length <= 15) {
    let i = token.charCodeAt(0) === 45 ? 1 : 0;
    if (i === 1 && token === '-0') return false;
    for (; i < token.length; i++) {
      const code = token.charCodeAt(i);
      if (code < 48 || code > 57) return String(Number(token)) === token;
    }
    return true;
  }
  return String(Number(token)) === token;
}

function isHex(byte: number): boolean {
  return (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 70) || (byte >= 97 && byte <= 102);
}

function isDigitByte(byte: number): boolean {
  return byte >= 48 && byte <= 57;
}

export class ByteWalker {
  private readonly compiled = new WeakMap<MappingNode, CompiledRoot>();
  private readonly unsupported = new Unsupported('handled by the exact walk');

  // Per-document state (one document at a time; the walk is synchronous).
  private readonly noBody = Buffer.alloc(0);
  private body: Buffer = this.noBody;
  private end = 0;
  private pos = 0;
  private objectDepth = 0;
  private arrayDepth = 0;
  private depthLimit = 0;
  private ignoreMalformed = false;
  private plans!: LeafPlans;
  private out!: PendingValues;
  /**
   * Unmapped keys of the objects open on the walk (hash, start, end), each object's above the one it
   * sits in, to find duplicates. Mapped keys are marked on their ChildStep instead (`seen`).
   */
  private keys: number[] = [];
  private keyTop = 0;
  /** Numbers the walked objects, for ChildStep.seen. */
  private objectCount = 0;
  /** Key of the field being read: byte range and hash. */
  private keyStart = 0;
  private keyEnd = 0;
  private keyHash = 0;
  private keyFlags = 0;

  /**
   * Walks `body[start, end)` into `out` and returns true, or returns false with `out` reset when the
   * document needs parseDocument. A document this walk accepts never updates the mapping.
   */
  walk(body: Buffer, start: number, end: number, target: ParseTarget, out: PendingValues): boolean {
    const { mapping, limits, plans } = target;
    if (mapping.enabled === false) return false;
    this.body = body;
    this.end = end;
    this.pos = start;
    this.objectDepth = 0;
    this.arrayDepth = 0;
    this.keyTop = 0;
    this.depthLimit = limits.depth;
    this.ignoreMalformed = limits.ignoreMalformed;
    this.plans = plans;
    this.out = out;
    try {
      const root = this.rootStep(mapping, plans);
      this.skipSpace();
      if (this.byteAt(this.pos) !== 123) throw this.unsupported;
      this.walkObject(root);
      this.skipSpace();
      if (this.pos !== end) throw this.unsupported;
      return true;
    } catch (error) {
      if (error !== this.unsupported) throw error;
      out.reset();
      return false;
    } finally {
      this.body = this.noBody; // the request body is not kept alive between documents
    }
  }

  private rootStep(mapping: MappingNode, plans: LeafPlans): ObjectStep {
    const known = this.compiled.get(mapping);
    if (known && known.plans === plans) return known.step;
    const step = this.compileObject(mapping, '', ownDynamic(mapping) ?? 'true', plans);
    this.compiled.set(mapping, { plans, step });
    return step;
  }

  private compileObject(node: MappingNode, path: string, dynamic: DynamicMode, plans: LeafPlans): ObjectStep {
    const properties = node.properties ?? {};
    const names = Object.keys(properties);
    let size = 4;
    while (size < names.length * 2) size *= 2;
    const buckets = new Array<ChildStep | undefined>(size).fill(undefined);
    const mask = size - 1;
    for (const name of names) {
      const child = properties[name]!;
      const bytes = Buffer.from(name, 'utf8');
      const hash = hashBytes(bytes, 0, bytes.length);
      const childPath = path ? `${path}.${name}` : name;
      const isObject = isObjectNode(child);
      // flat_object, and leaves with such multi-fields, are left to the exact walk.
      const leaf = isObject ? undefined : this.compileLeaf(childPath, child, plans);
      const step: ChildStep = {
        hash,
        bytes,
        next: buckets[hash & mask],
        seen: 0,
        node: child,
        path: childPath,
        disabled: isObject && child.enabled === false,
        object: undefined,
        leaf,
        unsupported: !isObject && leaf === undefined,
        dynamic: isObject ? (ownDynamic(child) ?? dynamic) : dynamic,
      };
      buckets[hash & mask] = step;
    }
    return { path, dynamic, buckets, mask };
  }

  private compileLeaf(path: string, node: MappingNode, plans: LeafPlans): LeafStep | undefined {
    if (node.type === 'flat_object') return undefined;
    const plan = plans.of(node);
    const subFields: LeafStep[] = [];
    for (const [name, sub] of plan.subFields) {
      // A multi-field that is an object or flat_object: DocumentWalk.leaf knows what to do with it.
      if (sub.type === undefined || sub.type === 'flat_object') return undefined;
      const step = this.compileLeaf(`${path}.${name}`, sub, plans);
      if (!step) return undefined;
      subFields.push(step);
    }
    const type = node.type!;
    const indexed = !(node.index === false && node.doc_values === false);
    return {
      path,
      node,
      plan,
      plainKeyword: indexed && keywordLikeTypes.has(type),
      ignoreAbove: typeof node.ignore_above === 'number' ? node.ignore_above : Infinity,
      subFields,
    };
  }

  private byteAt(i: number): number {
    return i < this.end ? this.body[i]! : -1;
  }

  private skipSpace(): void {
    const body = this.body;
    const end = this.end;
    let pos = this.pos;
    while (pos < end) {
      const byte = body[pos]!;
      if (byte !== 32 && byte !== 10 && byte !== 13 && byte !== 9) break;
      pos++;
    }
    this.pos = pos;
  }

  /**
   * Reads a key at `pos` (a quote) and the colon after it, leaving `pos` at the value. Escaped keys are
   * not handled (`"a"` and `"\u0061"` are the same key). Flags: 1 = contains a dot, 2 = starts with a
   * digit (JS objects list integer keys first), 4 = empty.
   */
  private readKey(): void {
    const body = this.body;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end || body[pos] !== 34) throw this.unsupported;
    const start = ++pos;
    let flags = 0;
    for (;;) {
      while (pos < end && keyStops[body[pos]!] === 0) pos++;
      if (pos >= end) throw this.unsupported;
      const byte = body[pos]!;
      if (byte === 34) break;
      if (byte !== 46) throw this.unsupported; // an escape or a control character
      flags |= 1;
      pos++;
    }
    if (pos === start) flags |= 4;
    else if (isDigitByte(body[start]!)) flags |= 2;
    this.keyStart = start;
    this.keyEnd = pos;
    this.keyHash = hashBytes(body, start, pos);
    this.keyFlags = flags;
    this.pos = pos + 1;
    this.skipSpace();
    if (this.byteAt(this.pos) !== 58) throw this.unsupported;
    this.pos++;
    this.skipSpace();
  }

  /** Records the unmapped key just read in the current object (open from `base`). */
  private noteKey(base: number): void {
    const keys = this.keys;
    const hash = this.keyHash;
    const start = this.keyStart;
    const length = this.keyEnd - start;
    for (let i = base; i < this.keyTop; i += 3) {
      if (keys[i] !== hash || keys[i + 2]! - keys[i + 1]! !== length) continue;
      const other = keys[i + 1]!;
      let j = 0;
      while (j < length && this.body[other + j] === this.body[start + j]) j++;
      if (j === length) throw this.unsupported; // a duplicate key fails the document
    }
    keys[this.keyTop] = hash;
    keys[this.keyTop + 1] = start;
    keys[this.keyTop + 2] = this.keyEnd;
    this.keyTop += 3;
  }

  private childOf(step: ObjectStep): ChildStep | undefined {
    const body = this.body;
    const start = this.keyStart;
    const length = this.keyEnd - start;
    const hash = this.keyHash;
    for (let child = step.buckets[hash & step.mask]; child; child = child.next) {
      const bytes = child.bytes;
      if (child.hash !== hash || bytes.length !== length) continue;
      let i = 0;
      while (i < length && bytes[i] === body[start + i]) i++;
      if (i === length) return child;
    }
    return undefined;
  }

  /** A mapped object at `pos` (an opening brace): DocumentWalk.walkObject. */
  private walkObject(step: ObjectStep): void {
    if (++this.objectDepth > this.depthLimit) throw this.unsupported;
    this.pos++;
    const base = this.keyTop;
    const stamp = ++this.objectCount;
    this.skipSpace();
    if (this.byteAt(this.pos) === 125) {
      this.pos++;
    } else {
      for (;;) {
        this.readKey();
        if (this.keyFlags !== 0) throw this.unsupported;
        const child = this.childOf(step);
        if (child === undefined) {
          this.noteKey(base);
        } else {
          if (child.seen === stamp) throw this.unsupported; // a duplicate key
          child.seen = stamp;
        }
        this.field(step, child);
        this.skipSpace();
        const byte = this.byteAt(this.pos);
        this.pos++;
        if (byte === 125) break;
        if (byte !== 44) throw this.unsupported;
        this.skipSpace();
      }
    }
    this.keyTop = base;
    this.objectDepth--;
  }

  /** The value at `pos` of a field of `parent`: DocumentWalk.field without dynamic mappings. */
  private field(parent: ObjectStep, child: ChildStep | undefined): void {
    const byte = this.byteAt(this.pos);
    if (child === undefined && parent.dynamic !== 'false') throw this.unsupported;
    if (byte === 91) {
      if (++this.arrayDepth > this.depthLimit) throw this.unsupported;
      this.pos++;
      this.skipSpace();
      if (this.byteAt(this.pos) === 93) {
        this.pos++;
      } else {
        for (;;) {
          this.field(parent, child);
          this.skipSpace();
          const next = this.byteAt(this.pos);
          this.pos++;
          if (next === 93) break;
          if (next !== 44) throw this.unsupported;
          this.skipSpace();
        }
      }
      this.arrayDepth--;
      return;
    }
    if (child === undefined || child.disabled) {
      this.skipValue(0);
      return;
    }
    if (child.unsupported) throw this.unsupported;
    const leaf = child.leaf;
    if (leaf === undefined) {
      if (byte === 123) {
        child.object ??= this.compileObject(child.node, child.path, child.dynamic, this.plans);
        this.walkObject(child.object);
        return;
      }
      if (byte === 110) {
        this.literal('null');
        return;
      }
      throw this.unsupported; // a concrete value for an object
    }
    if (byte === 110) {
      this.literal('null');
      const nullValue = leaf.node.null_value;
      if (nullValue !== undefined && nullValue !== null) throw this.unsupported;
      return;
    }
    this.leaf(leaf, this.scalar());
  }

  /** The scalar at `pos` as DocumentWalk sees it (objects fail for leaves: the exact walk says how). */
  private scalar(): ScalarValue {
    const byte = this.byteAt(this.pos);
    if (byte === 34) return this.string();
    if (byte === 116) {
      this.literal('true');
      return true;
    }
    if (byte === 102) {
      this.literal('false');
      return false;
    }
    if (byte === 45 || isDigitByte(byte)) {
      const start = this.pos;
      this.skipNumber();
      const token = (this.body as Latin1Buffer).latin1Slice(start, this.pos);
      return readsBack(token) ? Number(token) : new NumberToken(token);
    }
    throw this.unsupported;
  }

  /** DocumentWalk.leaf for a scalar. */
  private leaf(step: LeafStep, value: ScalarValue): void {
    if (step.plainKeyword && typeof value === 'string') {
      if (value.length <= step.ignoreAbove) {
        if (value.length * 3 > maxTermBytes) throw this.unsupported; // maybe immense: the exact walk checks
        const plan = step.plan;
        this.out.add(plan.column ?? this.plans.column(plan, step.path), value, true);
      }
    } else {
      this.convert(step, value);
    }
    const subFields = step.subFields;
    for (let i = 0; i < subFields.length; i++) this.leaf(subFields[i]!, value);
  }

  private convert(step: LeafStep, value: ScalarValue): void {
    let converted;
    try {
      converted = convertValue(step.path, step.node, value);
    } catch (error) {
      if (!(error instanceof MalformedValue)) throw this.unsupported; // ImmenseTerm and the like
      const ignore = step.node.ignore_malformed ?? this.ignoreMalformed;
      if (ignore !== true || !supportsIgnoreMalformed(step.node.type!)) throw this.unsupported;
      this.out.ignored.push(step.path);
      return;
    }
    if (converted === undefined) return;
    const plan = step.plan;
    const column = plan.column ?? this.plans.column(plan, step.path);
    if (!Array.isArray(converted)) this.out.add(column, converted, true);
    else for (let i = 0; i < converted.length; i++) this.out.add(column, converted[i]!, i === 0);
  }

  private literal(word: 'true' | 'false' | 'null'): void {
    const body = this.body;
    const pos = this.pos;
    if (pos + word.length > this.end) throw this.unsupported;
    for (let i = 0; i < word.length; i++) if (body[pos + i] !== word.charCodeAt(i)) throw this.unsupported;
    this.pos = pos + word.length;
  }

  /** A string value at `pos`, decoded as JSON.parse decodes it. */
  private string(): string {
    const body = this.body;
    const start = this.pos + 1;
    // Most strings are plain ASCII, copied with latin1 once their end is found.
    const end = this.end;
    let pos = start;
    while (pos < end && textStops[body[pos]!] === 0) pos++;
    if (pos < end && body[pos] === 34) {
      this.pos = pos + 1;
      return (body as Latin1Buffer).latin1Slice(start, pos);
    }
    const close = this.skipString();
    if (!this.escaped) return body.toString('utf8', start, close);
    return JSON.parse(body.toString('utf8', start - 1, close + 1)) as string;
  }

  /** Whether the string skipString read had escapes. */
  private escaped = false;

  /** Validates the string at `pos` (a quote), leaves `pos` after it, returns its closing quote's offset. */
  private skipString(): number {
    const body = this.body;
    const end = this.end;
    let pos = this.pos + 1;
    let escaped = false;
    for (;;) {
      while (pos < end && stringStops[body[pos]!] === 0) pos++;
      if (pos >= end) throw this.unsupported;
      const byte = body[pos]!;
      if (byte === 34) break;
      if (byte !== 92) throw this.unsupported; // a control character
      escaped = true;
      const escape = pos + 1 < end ? body[pos + 1]! : -1;
      if (escape === 117) {
        if (pos + 6 > end) throw this.unsupported;
        for (let i = pos + 2; i < pos + 6; i++) if (!isHex(body[i]!)) throw this.unsupported;
        pos += 6;
        continue;
      }
      // " \ / b f n r t
      if (
        escape !== 34 &&
        escape !== 92 &&
        escape !== 47 &&
        escape !== 98 &&
        escape !== 102 &&
        escape !== 110 &&
        escape !== 114 &&
        escape !== 116
      ) {
        throw this.unsupported;
      }
      pos += 2;
    }
    this.escaped = escaped;
    this.pos = pos + 1;
    return pos;
  }

  /** A JSON number token at `pos`: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
  private skipNumber(): void {
    const body = this.body;
    const end = this.end;
    let pos = this.pos;
    if (body[pos] === 45) pos++;
    if (pos >= end) throw this.unsupported;
    if (body[pos] === 48) {
      pos++;
    } else if (isDigitByte(body[pos]!)) {
      while (pos < end && isDigitByte(body[pos]!)) pos++;
    } else {
      throw this.unsupported;
    }
    if (pos < end && body[pos] === 46) {
      pos++;
      if (pos >= end || !isDigitByte(body[pos]!)) throw this.unsupported;
      while (pos < end && isDigitByte(body[pos]!)) pos++;
    }
    if (pos < end && (body[pos] === 101 || body[pos] === 69)) {
      pos++;
      if (pos < end && (body[pos] === 43 || body[pos] === 45)) pos++;
      if (pos >= end || !isDigitByte(body[pos]!)) throw this.unsupported;
      while (pos < end && isDigitByte(body[pos]!)) pos++;
    }
    this.pos = pos;
  }

  /**
   * Validates any value at `pos` that nothing indexes (JSON syntax and duplicate keys: either fails the
   * document in the exact walk), leaving `pos` after it.
   */
  private skipValue(depth: number): void {
    const byte = this.byteAt(this.pos);
    if (byte === 34) {
      this.skipString();
      return;
    }
    if (byte === 123 || byte === 91) {
      if (depth >= maxSkipDepth) throw this.unsupported;
      const isObject = byte === 123;
      const close = isObject ? 125 : 93;
      const base = this.keyTop;
      this.pos++;
      this.skipSpace();
      if (this.byteAt(this.pos) === close) {
        this.pos++;
        return;
      }
      for (;;) {
        if (isObject) {
          this.readKey();
          this.noteKey(base);
        }
        this.skipValue(depth + 1);
        this.skipSpace();
        const next = this.byteAt(this.pos);
        this.pos++;
        if (next === close) break;
        if (next !== 44) throw this.unsupported;
        this.skipSpace();
      }
      this.keyTop = base;
      return;
    }
    if (byte === 116) return this.literal('true');
    if (byte === 102) return this.literal('false');
    if (byte === 110) return this.literal('null');
    if (byte === 45 || isDigitByte(byte)) return this.skipNumber();
    throw this.unsupported;
  }
}
