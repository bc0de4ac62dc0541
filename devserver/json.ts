/**
 * JSON as OpenSearch sees it. `JSON.parse` loses three facts the server needs: whether a number was
 * written as an integer (`1` maps to long, `1.0` to float) and with which digits (`5.00` is the term
 * a flat_object indexes), where a token sits in the text (errors quote `line:column`), and whether a
 * key appears twice in an object (OpenSearch's parser refuses duplicate keys). This module's exact
 * parser keeps all three; it is iterative, so a document nested a million levels deep is an error
 * to report, never a stack overflow. Documents usually go through `parseDocumentJson`
 * (json-fast.ts), which uses `JSON.parse` when the text has nothing `JSON.parse` would lose.
 */

/** A JSON number kept as written, so `1.0` stays a float token and big integers keep their digits. */
export class NumberToken {
  constructor(readonly raw: string) {}
  get isInteger(): boolean {
    return !/[.eE]/.test(this.raw);
  }
  get value(): number {
    return Number(this.raw);
  }
}

/** Text that is already valid JSON and is written out unchanged (stored `_source`). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Numbers are JS numbers when `JSON.parse` read them exactly, NumberTokens otherwise. */
export type JsonValue = null | boolean | string | number | NumberToken | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface ParsedJson {
  value: JsonValue;
  /** Offset of the opening brace or bracket of each object and array. */
  offsets: WeakMap<object, number>;
  /** Offset of each key's opening quote, per object. */
  keyOffsets: WeakMap<object, Map<string, number>>;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof NumberToken)
  );
}

export function isJsonNumber(value: unknown): value is number | NumberToken {
  return typeof value === 'number' || value instanceof NumberToken;
}

/** The digits as written (a JS number here was read exactly, so its text is the token's). */
export function numberText(value: number | NumberToken): string {
  return typeof value === 'number' ? String(value) : value.raw;
}

export function isIntegerNumber(value: number | NumberToken): boolean {
  return typeof value === 'number' ? Number.isInteger(value) : value.isInteger;
}

export function numberValue(value: number | NumberToken): number {
  return typeof value === 'number' ? value : value.value;
}

/** Objects without a prototype, so a key named `__proto__` is just a key. */
export function newJsonObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

/** `object[key]` for own keys only, so a field named `constructor` is never Object.prototype's. */
export function ownValue<T>(object: Record<string, T> | undefined, key: string): T | undefined {
  return object !== undefined && Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

const escapes: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

interface Frame {
  container: JsonObject | JsonValue[];
  /** Entries read so far. */
  count: number;
}

class ExactParser {
  private pos = 0;
  readonly offsets = new WeakMap<object, number>();
  readonly keyOffsets = new WeakMap<object, Map<string, number>>();

  constructor(private readonly text: string) {}

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos);
  }

  private unexpected(expecting: string): never {
    if (this.pos >= this.text.length) return this.fail(`Unexpected end-of-input: ${expecting}`);
    const ch = this.text[this.pos]!;
    return this.fail(`Unexpected character ('${ch}' (code ${ch.charCodeAt(0)})): ${expecting}`);
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (code !== 32 && code !== 9 && code !== 10 && code !== 13) return;
      this.pos++;
    }
  }

  private parseString(): string {
    const text = this.text;
    this.pos++; // opening quote
    let out = '';
    let start = this.pos;
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (code === 34) {
        out += text.slice(start, this.pos);
        this.pos++;
        return out;
      }
      if (code === 92) {
        out += text.slice(start, this.pos);
        const escape = text[this.pos + 1];
        const simple = escape === undefined ? undefined : escapes[escape];
        if (simple !== undefined) {
          out += simple;
          this.pos += 2;
        } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          this.fail(`Unrecognized character escape '${escape ?? ''}'`);
        }
        start = this.pos;
        continue;
      }
      if (code < 32) this.fail(`Illegal unquoted character ((CTRL-CHAR, code ${code})): has to be escaped`);
      this.pos++;
    }
    return this.fail('Unexpected end-of-input: was expecting closing quote for a string value');
  }

  private parseNumber(): NumberToken {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match || match[0] === '-') return this.unexpected('expected a valid value');
    this.pos += match[0].length;
    return new NumberToken(match[0]);
  }

  /** A scalar, or a new empty container pushed on the stack. */
  private parseValue(stack: Frame[]): JsonValue {
    this.skipSpace();
    const text = this.text;
    const ch = text[this.pos];
    if (ch === '{') {
      const object = newJsonObject();
      this.offsets.set(object, this.pos);
      this.keyOffsets.set(object, new Map());
      this.pos++;
      stack.push({ container: object, count: 0 });
      return object;
    }
    if (ch === '[') {
      const array: JsonValue[] = [];
      this.offsets.set(array, this.pos);
      this.pos++;
      stack.push({ container: array, count: 0 });
      return array;
    }
    if (ch === '"') return this.parseString();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.parseNumber();
    if (text.startsWith('true', this.pos)) return ((this.pos += 4), true);
    if (text.startsWith('false', this.pos)) return ((this.pos += 5), false);
    if (text.startsWith('null', this.pos)) return ((this.pos += 4), null);
    return this.unexpected(
      "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    );
  }

  parse(): JsonValue {
    const stack: Frame[] = [];
    const root = this.parseValue(stack);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const container = frame.container;
      this.skipSpace();
      const ch = this.text[this.pos];
      const isArray = Array.isArray(container);
      if (ch === (isArray ? ']' : '}')) {
        this.pos++;
        stack.pop();
        continue;
      }
      if (frame.count++ > 0) {
        if (ch !== ',') {
          this.unexpected(`was expecting comma to separate ${isArray ? 'Array' : 'Object'} entries`);
        }
        this.pos++;
      }
      if (isArray) {
        container.push(this.parseValue(stack));
        continue;
      }
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.unexpected('was expecting double-quote to start field name');
      const keyStart = this.pos;
      const key = this.parseString();
      if (Object.prototype.hasOwnProperty.call(container, key)) this.fail(`Duplicate field '${key}'`);
      this.keyOffsets.get(container)!.set(key, keyStart);
      this.skipSpace();
      if (this.text[this.pos] !== ':')
        this.unexpected('was expecting a colon to separate field name and value');
      this.pos++;
      container[key] = this.parseValue(stack);
    }
    this.skipSpace();
    if (this.pos < this.text.length) this.unexpected('expected end of input');
    return root;
  }
}

/** Parses `text` keeping number tokens, offsets and duplicate-key checks; throws JsonSyntaxError. */
export function parseJson(text: string): ParsedJson {
  const parser = new ExactParser(text);
  const value = parser.parse();
  return { value, offsets: parser.offsets, keyOffsets: parser.keyOffsets };
}

/** `line:column` (both 1-based) of an offset, as Jackson reports token locations. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${offset - lineStart + 1}`;
}

/**
 * The compact text of `v` (undefined for undefined and functions, left out of objects): string
 * concatenation, without the closures and part arrays of the pretty printer, since every reply body
 * goes through here.
 */
function compactJson(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'undefined':
    case 'function':
      return undefined;
    case 'object':
      break;
    default:
      return JSON.stringify(v);
  }
  if (v === null) return 'null';
  if (v instanceof NumberToken) return v.raw;
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + (compactJson(v[i]) ?? 'null');
    return out + ']';
  }
  const object = v as Record<string, unknown>;
  let out = '';
  for (const key of Object.keys(object)) {
    const text = compactJson(object[key]);
    if (text !== undefined) out += (out === '' ? '{' : ',') + JSON.stringify(key) + ':' + text;
  }
  return out === '' ? '{}' : out + '}';
}

/** Serialises values that may hold NumberToken and RawJson; `indent` > 0 pretty-prints. */
export function stringifyJson(value: unknown, indent = 0): string {
  if (!indent) return compactJson(value) ?? 'null';
  const write = (v: unknown, depth: number): string | undefined => {
    if (v === undefined || typeof v === 'function') return undefined;
    if (v === null) return 'null';
    if (v instanceof NumberToken) return v.raw;
    if (v instanceof RawJson) return indent ? stringifyJson(JSON.parse(v.text), indent) : v.text;
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object') return JSON.stringify(v);
    const pad = indent ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
    const close = indent ? '\n' + ' '.repeat(indent * depth) : '';
    const colon = indent ? ' : ' : ':';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return '[' + v.map((item) => pad + (write(item, depth + 1) ?? 'null')).join(',') + close + ']';
    }
    const parts: string[] = [];
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
      const text = write(item, depth + 1);
      if (text !== undefined) parts.push(pad + JSON.stringify(key) + colon + text);
    }
    return parts.length === 0 ? '{}' : '{' + parts.join(',') + close + '}';
  };
  return write(value, 0) ?? 'null';
}

/** Converts a tree from `parseJson` into plain JS values (numbers as numbers). */
export function toPlain(value: JsonValue): unknown {
  if (value instanceof NumberToken) return value.value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (isJsonObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
    return out;
  }
  return value;
}

const previewLimit = 10_000;

/** Punctuation queued between the values of javaPreview's walk. */
class Literal {
  constructor(readonly text: string) {}
}

/** How Java's `toString` prints a parsed value, for "Preview of field's value" (cut at 10,000 chars). */
export function javaPreview(value: JsonValue): string {
  let out = '';
  const pending: (JsonValue | Literal)[] = [value];
  while (pending.length > 0 && out.length < previewLimit) {
    const item = pending.pop()!;
    if (item instanceof Literal) {
      out += item.text;
    } else if (item === null) {
      out += 'null';
    } else if (isJsonNumber(item)) {
      out += numberText(item);
    } else if (Array.isArray(item)) {
      const parts: (JsonValue | Literal)[] = [new Literal('[')];
      item.forEach((element, i) => parts.push(...(i > 0 ? [new Literal(', ')] : []), element));
      parts.push(new Literal(']'));
      pending.push(...parts.reverse());
    } else if (isJsonObject(item)) {
      const parts: (JsonValue | Literal)[] = [new Literal('{')];
      Object.entries(item).forEach(([key, element], i) =>
        parts.push(new Literal(`${i > 0 ? ', ' : ''}${key}=`), element),
      );
      parts.push(new Literal('}'));
      pending.push(...parts.reverse());
    } else {
      out += String(item);
    }
  }
  return out.length > previewLimit ? out.slice(0, previewLimit) : out;
}

/** The Jackson token name a value starts with, e.g. for "expected START_OBJECT but found [..]". */
export function tokenName(value: unknown): string {
  if (value === null) return 'VALUE_NULL';
  if (value === true) return 'VALUE_TRUE';
  if (value === false) return 'VALUE_FALSE';
  if (typeof value === 'string') return 'VALUE_STRING';
  if (value instanceof NumberToken) return value.isInteger ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  if (typeof value === 'number') return Number.isInteger(value) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  if (Array.isArray(value)) return 'START_ARRAY';
  return 'START_OBJECT';
}
