/**
 * RFC 6901 JSON Pointers name the values the builder or the healer moves out of a record, so that
 * a key containing dots (or slashes) is never ambiguous when the record is put back together.
 */
import { isPlainObject } from '../util/objects.js';

export type PathSegment = string | number;

/** A value that must leave the indexed document, named by its path in the record. */
export interface Displacement {
  segments: PathSegment[];
  value: unknown;
}

export function toPointer(segments: readonly PathSegment[]): string {
  return segments.map((s) => '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** A plain object with no prototype, so that a key named `__proto__` stays an ordinary key. */
export function bareObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

export { isPlainObject };

function shallowCopy(value: unknown): Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return value.slice();
  const copy = bareObject();
  for (const key of Object.keys(value as object)) copy[key] = (value as Record<string, unknown>)[key];
  return copy;
}

/**
 * Returns a copy of `root` without the value at `segments` (copying only the containers on the way down;
 * the input is not modified): an object member is removed, an array element becomes null (removing it
 * would renumber the elements after it).
 */
export function withoutPath(
  root: Record<string, unknown>,
  segments: readonly PathSegment[],
): Record<string, unknown> {
  const top = shallowCopy(root) as Record<string, unknown>;
  let container: Record<string, unknown> | unknown[] = top;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const child = (container as Record<string | number, unknown>)[segment];
    if (typeof child !== 'object' || child === null) return top;
    const copy = shallowCopy(child);
    (container as Record<string | number, unknown>)[segment] = copy;
    container = copy;
  }
  const last = segments[segments.length - 1];
  if (last === undefined) return top;
  if (Array.isArray(container)) {
    if (typeof last === 'number' && last < container.length) container[last] = null;
  } else delete container[String(last)];
  return top;
}

/** Writes `value` at `segments` inside `root` (in place), creating objects where none exist. */
export function setPath(root: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let container: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const key: string | number = Array.isArray(container) ? Number(segment) : segment;
    let child = (container as Record<string | number, unknown>)[key];
    if (typeof child !== 'object' || child === null) {
      child = bareObject();
      put(container, key, child);
    }
    container = child as Record<string, unknown> | unknown[];
  }
  const last = segments[segments.length - 1];
  if (last === undefined) return;
  put(container, Array.isArray(container) ? Number(last) : last, value);
}

/** Assignment that also works for a key named `__proto__` on an ordinary object. */
function put(container: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (Array.isArray(container)) container[Number(key)] = value;
  else Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
}
