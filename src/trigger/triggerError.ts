/**
 * The error raised for a trigger event we cannot interpret, plus the helpers that build its message.
 * Every message has the form `<path into the event>: expected <what>, found <what>` so an operator can
 * find the offending field in the logged event without guessing.
 */
import { isPlainObject } from '../util/objects.js';

export class TriggerError extends Error {
  override name = 'TriggerError';
}

/** Field access that ignores inherited properties, so a key like "constructor" never reads Object's. */
export function ownField(obj: Record<string, unknown>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, name) ? obj[name] : undefined;
}

export { isPlainObject };

/** `Records[0]` + `body` → `Records[0].body`; the empty path is the event itself. */
export function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

export function itemPath(path: string, index: number): string {
  return `${path === '' ? 'event' : path}[${index}]`;
}

function displayPath(path: string): string {
  return path === '' ? 'event' : path;
}

const MAX_SHOWN_CHARS = 40;
const MAX_SHOWN_KEYS = 8;

/** A short, single-line description of what we found, for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS)}…` : value;
    return value === '' ? 'an empty string' : `a string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `a ${typeof value} (${String(value)})`;
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'an empty object';
    const shown = keys.slice(0, MAX_SHOWN_KEYS).map((key) => JSON.stringify(key));
    return `an object with keys [${shown.join(', ')}${keys.length > MAX_SHOWN_KEYS ? ', …' : ''}]`;
  }
  return `a ${typeof value}`;
}

export function expected(path: string, what: string, found: unknown): TriggerError {
  return new TriggerError(`${displayPath(path)}: expected ${what}, found ${describeValue(found)}`);
}

export function problemAt(path: string, problem: string): TriggerError {
  return new TriggerError(`${displayPath(path)}: ${problem}`);
}
