/**
 * Duplicate keys in a record's JSON text.
 *
 * `JSON.parse` keeps the last value of a repeated key, as OpenSearch's parser does with duplicate
 * detection off; with it on (the default) OpenSearch rejects the whole document (`Duplicate field 'x'`).
 * The builder therefore writes such a record re-serialised from its parse (last key wins) and keeps every
 * value a later key replaced in `ct.overwritten`. This scan finds those values: JSON.parse does not say
 * whether it dropped any.
 *
 * The text must be valid JSON (it is scanned after JSON.parse accepted it). The scan keeps its place on
 * an explicit stack, so any depth is fine.
 */
import { toPointer, type PathSegment } from './jsonPointer.js';
import { stringifyJson } from './json.js';

/** A value that a later member with the same key replaced. */
export interface OverwrittenValue {
  /** JSON pointer of the member, in the record as parsed. */
  pointer: string;
  /** The replaced value's JSON text as it is in the record. */
  text: string;
}

interface Frame {
  /** Where the container starts. */
  start: number;
  /** For an object: each key's latest value span [start, end); undefined for an array. */
  members: Map<string, [number, number]> | undefined;
  /** The member (object) or element (array) being read. */
  key: string;
  index: number;
}

/** Every value of `text` that a later duplicate key replaced, in the order they were replaced. */
export function overwrittenValues(text: string): OverwrittenValue[] {
  const found: OverwrittenValue[] = [];
  const frames: Frame[] = [];
  let i = skipSpace(text, 0);
  for (;;) {
    // A value starts at i.
    let valueStart = i;
    const first = text[i];
    if (first === '{' || first === '[') {
      const isObject = first === '{';
      i = skipSpace(text, i + 1);
      if (text[i] !== (isObject ? '}' : ']')) {
        const frame: Frame = {
          start: valueStart,
          members: isObject ? new Map() : undefined,
          key: '',
          index: 0,
        };
        frames.push(frame);
        if (isObject) i = readKey(text, i, frame);
        continue;
      }
      i += 1; // an empty container
    } else if (first === '"') {
      i = stringEnd(text, i);
    } else {
      i = scalarEnd(text, i);
    }
    // The value [valueStart, i) is complete: note it in its container, closing containers as they end.
    for (;;) {
      const parent = frames[frames.length - 1];
      if (parent === undefined) return found;
      const members = parent.members;
      if (members !== undefined) {
        const previous = members.get(parent.key);
        if (previous !== undefined) {
          found.push({ pointer: pointerOf(frames), text: text.slice(previous[0], previous[1]) });
        }
        members.set(parent.key, [valueStart, i]);
      }
      i = skipSpace(text, i);
      if (i >= text.length) return found; // cannot happen for valid JSON
      if (text[i] === ',') {
        i = skipSpace(text, i + 1);
        if (members !== undefined) i = readKey(text, i, parent);
        else parent.index += 1;
        break;
      }
      i += 1; // the container's closing bracket
      valueStart = parent.start;
      frames.pop();
    }
  }
}

/**
 * The JSON text of `{"<pointer>": [values replaced, in order], …}`, written into `ct.overwritten`.
 * The values are written as JSON.stringify writes their parse.
 */
export function overwrittenJson(values: readonly OverwrittenValue[]): string {
  const byPointer = new Map<string, string[]>();
  for (const { pointer, text } of values) {
    const texts = byPointer.get(pointer) ?? [];
    texts.push(stringifyJson(JSON.parse(text)));
    byPointer.set(pointer, texts);
  }
  const members: string[] = [];
  for (const [pointer, texts] of byPointer) members.push(`${JSON.stringify(pointer)}:[${texts.join(',')}]`);
  return `{${members.join(',')}}`;
}

/** Reads a member's key at `at` (its opening quote) into `frame`; returns where its value starts. */
function readKey(text: string, at: number, frame: Frame): number {
  const end = stringEnd(text, at);
  const raw = text.slice(at + 1, end - 1);
  frame.key = raw.includes('\\') ? (JSON.parse(text.slice(at, end)) as string) : raw;
  const colon = skipSpace(text, end);
  return skipSpace(text, colon + 1);
}

function pointerOf(frames: readonly Frame[]): string {
  const segments: PathSegment[] = [];
  for (const frame of frames) segments.push(frame.members === undefined ? frame.index : frame.key);
  return toPointer(segments);
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t') i++;
  return i;
}

/** Just past the closing quote of the string whose opening quote is at `at`. */
function stringEnd(text: string, at: number): number {
  let i = at + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (text[quote - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/** Just past a number or literal. */
function scalarEnd(text: string, at: number): number {
  let i = at;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === ',' || c === '}' || c === ']' || c <= ' ') break;
  }
  return i;
}
