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
  bytes: Buffer;
  /** The next child whose name hashes alike. */
  next: ChildStep | undefined;
  node: MappingNode;
  path: string;
  /** Values are skipped: an object with `enabled: false`. */
  disabled: boolean;
  /** Set for object children (compiled when first met), undefined for leaves. */
  object: ObjectStep | undefined;
  leaf: LeafStep | undefined;
  /** A leaf type this walk does not reproduce (flat_object). */
  unsupported: boolean;
  /** The effective `dynamic` under an object child. */
  dynamic: DynamicMode;
}

interface ObjectStep {
  path: string;
  dynamic: DynamicMode;
  children: Map<number, ChildStep>;
}

interface CompiledRoot {
  plans: LeafPlans;
  step: ObjectStep;
}

/** FNV-1a over a key's bytes, mixed with its length. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return (hash ^ (end - start)) | 0;
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
  /** Key hashes of the objects open on the walk, each object's above the one it sits in. */
  private keys: number[] = [];
  private keyTop = 0;
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
    const children = new Map<number, ChildStep>();
    const properties = node.properties ?? {};
    for (const name of Object.keys(properties)) {
      const child = properties[name]!;
      const bytes = Buffer.from(name, 'utf8');
      const hash = hashBytes(bytes, 0, bytes.length);
      const childPath = path ? `${path}.${name}` : name;
      const isObject = isObjectNode(child);
      const step: ChildStep = {
        bytes,
        next: children.get(hash),
        node: child,
        path: childPath,
        disabled: isObject && child.enabled === false,
        object: undefined,
        leaf:
          isObject || child.type === 'flat_object' ? undefined : this.compileLeaf(childPath, child, plans),
        unsupported: !isObject && child.type === 'flat_object',
        dynamic: isObject ? (ownDynamic(child) ?? dynamic) : dynamic,
      };
      children.set(hash, step);
    }
    return { path, dynamic, children };
  }

  private compileLeaf(path: string, node: MappingNode, plans: LeafPlans): LeafStep | undefined {
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
    let hash = 0x811c9dc5;
    let flags = 0;
    for (;;) {
      if (pos >= end) throw this.unsupported;
      const byte = body[pos]!;
      if (byte === 34) break;
      if (byte === 92 || byte < 32) throw this.unsupported;
      if (byte === 46) flags |= 1;
      hash = Math.imul(hash ^ byte, 0x01000193);
      pos++;
    }
    if (pos === start) flags |= 4;
    else if (isDigitByte(body[start]!)) flags |= 2;
    this.keyStart = start;
    this.keyEnd = pos;
    this.keyHash = (hash ^ (pos - start)) | 0;
    this.keyFlags = flags;
    this.pos = pos + 1;
    this.skipSpace();
    if (this.byteAt(this.pos) !== 58) throw this.unsupported;
    this.pos++;
    this.skipSpace();
  }

  /** Records the key just read in the current object (open from `base`); a duplicate fails in JSON. */
  private noteKey(base: number): void {
    const keys = this.keys;
    const hash = this.keyHash;
    // Equal hashes are taken as equal keys: at worst a rare document takes the exact walk.
    for (let i = base; i < this.keyTop; i++) if (keys[i] === hash) throw this.unsupported;
    keys[this.keyTop++] = hash;
  }

  private childOf(step: ObjectStep): ChildStep | undefined {
    const body = this.body;
    const start = this.keyStart;
    const length = this.keyEnd - start;
    for (let child = step.children.get(this.keyHash); child; child = child.next) {
      const bytes = child.bytes;
      if (bytes.length !== length) continue;
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
    this.skipSpace();
    if (this.byteAt(this.pos) === 125) {
      this.pos++;
    } else {
      for (;;) {
        this.readKey();
        if (this.keyFlags !== 0) throw this.unsupported;
        this.noteKey(base);
        this.field(step, this.childOf(step));
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
      const token = this.body.toString('latin1', start, this.pos);
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
    const end = this.skipString();
    // skipString's flags: escapes are rare, so JSON.parse decodes those strings.
    if (this.stringFlags === 0) return body.toString('latin1', start, end);
    if (this.stringFlags === 1) return body.toString('utf8', start, end);
    return JSON.parse(body.toString('utf8', start - 1, end + 1)) as string;
  }

  /** 1 = non-ASCII bytes, 2 = escapes (set by skipString). */
  private stringFlags = 0;

  /** Validates the string at `pos` (a quote), leaves `pos` after it, returns its closing quote's offset. */
  private skipString(): number {
    const body = this.body;
    const end = this.end;
    let pos = this.pos + 1;
    let flags = 0;
    for (;;) {
      if (pos >= end) throw this.unsupported;
      const byte = body[pos]!;
      if (byte === 34) break;
      if (byte < 32) throw this.unsupported;
      if (byte >= 128) {
        flags |= 1;
      } else if (byte === 92) {
        flags |= 2;
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
        continue;
      }
      pos++;
    }
    this.stringFlags = flags;
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
