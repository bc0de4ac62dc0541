/**
 * JSON as OpenSearch sees it. `JSON.parse` loses two facts the mapping engine needs: whether a number
 * was written as an integer (`1` maps to long, `1.0` to float) and where a token sits in the text (error
 * messages quote `line:column`). So documents go through this small parser, which keeps numbers as
 * their raw text and remembers the offset of every object and array. It also rejects duplicate keys,
 * as OpenSearch's strict duplicate detection does.
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

export type JsonValue = null | boolean | string | NumberToken | JsonValue[] | JsonObject;
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

/** Objects without a prototype, so a key named `__proto__` is just a key. */
export function newJsonObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

export function parseJson(text: string): ParsedJson {
  const offsets = new WeakMap<object, number>();
  const keyOffsets = new WeakMap<object, Map<string, number>>();
  let pos = 0;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, pos);
  };
  const skipSpace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++;
  };
  const unexpected = (expecting: string): never => {
    if (pos >= text.length) return fail(`Unexpected end-of-input: ${expecting}`);
    const ch = text[pos]!;
    return fail(`Unexpected character ('${ch}' (code ${ch.charCodeAt(0)})): ${expecting}`);
  };

  const parseString = (): string => {
    pos++; // opening quote
    let out = '';
    let start = pos;
    while (pos < text.length) {
      const ch = text[pos]!;
      if (ch === '"') {
        out += text.slice(start, pos);
        pos++;
        return out;
      }
      if (ch === '\\') {
        out += text.slice(start, pos);
        const esc = text[pos + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (esc !== undefined && simple[esc] !== undefined) {
          out += simple[esc];
          pos += 2;
        } else if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
        } else {
          fail(`Unrecognized character escape '${esc ?? ''}'`);
        }
        start = pos;
        continue;
      }
      if (ch < ' ')
        fail(`Illegal unquoted character ((CTRL-CHAR, code ${ch.charCodeAt(0)})): has to be escaped`);
      pos++;
    }
    return fail('Unexpected end-of-input: was expecting closing quote for a string value');
  };

  const parseNumber = (): NumberToken => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos, pos + 400));
    if (!match || match[0] === '-') return unexpected('expected a valid value');
    pos += match![0].length;
    return new NumberToken(match![0]);
  };

  const parseValue = (): JsonValue => {
    skipSpace();
    const ch = text[pos];
    if (ch === '{') return parseObject();
    if (ch === '[') return parseArray();
    if (ch === '"') return parseString();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return parseNumber();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    return unexpected(
      "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    );
  };

  const parseObject = (): JsonObject => {
    const object = newJsonObject();
    const keys = new Map<string, number>();
    offsets.set(object, pos);
    keyOffsets.set(object, keys);
    pos++;
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return object;
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') unexpected('was expecting double-quote to start field name');
      const keyStart = pos;
      const key = parseString();
      keys.set(key, keyStart);
      if (Object.prototype.hasOwnProperty.call(object, key)) fail(`Duplicate field '${key}'`);
      skipSpace();
      if (text[pos] !== ':') unexpected('was expecting a colon to separate field name and value');
      pos++;
      object[key] = parseValue();
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return object;
      }
      unexpected('was expecting comma to separate Object entries');
    }
  };

  const parseArray = (): JsonValue[] => {
    const array: JsonValue[] = [];
    offsets.set(array, pos);
    pos++;
    skipSpace();
    if (text[pos] === ']') {
      pos++;
      return array;
    }
    for (;;) {
      array.push(parseValue());
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return array;
      }
      unexpected('was expecting comma to separate Array entries');
    }
  };

  const value = parseValue();
  skipSpace();
  if (pos < text.length) unexpected('expected end of input');
  return { value, offsets, keyOffsets };
}

/** `line:column` (both 1-based) of an offset, as Jackson reports token locations. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${offset - lineStart + 1}`;
}

/** Serialises values that may hold NumberToken and RawJson; `indent` > 0 pretty-prints. */
export function stringifyJson(value: unknown, indent = 0): string {
  const write = (v: unknown, depth: number): string | undefined => {
    if (v === undefined || typeof v === 'function') return undefined;
    if (v === null) return 'null';
    if (v instanceof NumberToken) return v.raw;
    if (v instanceof RawJson) return indent ? stringifyJson(parseJson(v.text).value, indent) : v.text;
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

/** How Java's `toString` prints a parsed value, used for "Preview of field's value". */
export function javaPreview(value: JsonValue): string {
  if (value === null) return 'null';
  if (value instanceof NumberToken) return value.raw;
  if (Array.isArray(value)) return '[' + value.map(javaPreview).join(', ') + ']';
  if (isJsonObject(value)) {
    return (
      '{' +
      Object.entries(value)
        .map(([k, v]) => `${k}=${javaPreview(v)}`)
        .join(', ') +
      '}'
    );
  }
  return String(value);
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
