/**
 * Checks a parsed record against the typed-field table before it is sent.
 *
 * OpenSearch rejects a whole document when one value does not fit its mapped type (an object where
 * a keyword is mapped, "True" where a boolean is mapped, a string where an object is mapped), or
 * when a key cannot be a field name inside a mapped object (empty, dotted, a root `_` metadata
 * name). This walk finds every such value so the builder can move it aside (into `ct.original`)
 * instead; every value that is not indexed by a typed field is fed to the pair collector.
 *
 * The walk keeps its place on an explicit stack (a record may nest arrays thousands of levels deep
 * where an object is mapped), and a typed value nested deeper than MAX_WALK_DEPTH does not fit.
 */
import type { Displacement, PathSegment } from './jsonPointer.js';
import { MAX_WALK_DEPTH } from './limits.js';
import type { PairCollector } from './pairs.js';
import { RESERVED_ROOT_FIELDS, TYPED_FIELDS, type FieldTable, type LeafKind } from './typedFields.js';

interface CompiledObject {
  children: Map<string, Compiled>;
}
type Compiled = LeafKind | CompiledObject;

function compile(table: FieldTable): CompiledObject {
  const children = new Map<string, Compiled>();
  for (const [name, field] of Object.entries(table)) {
    children.set(name, typeof field === 'string' ? field : compile(field.properties));
  }
  return { children };
}

const ROOT = compile(TYPED_FIELDS);

export type { Displacement } from './jsonPointer.js';

/** An object, or an array of values, whose members or elements are checked against `spec`. */
interface Frame {
  spec: CompiledObject;
  /** The object's keys; undefined for an array. */
  keys: string[] | undefined;
  container: Record<string, unknown> | unknown[];
  next: number;
  segments: PathSegment[];
  /** The dotted path of the container ('' for the record itself). */
  path: string;
  root: boolean;
}

/**
 * Walks `record`, collecting pairs for free-form values and returning the values that must be
 * moved aside, in record order. The record is not modified.
 */
export function inspectRecord(record: Record<string, unknown>, pairs: PairCollector): Displacement[] {
  const displaced: Displacement[] = [];
  const stack: Frame[] = [
    { spec: ROOT, keys: Object.keys(record), container: record, next: 0, segments: [], path: '', root: true },
  ];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const keys = frame.keys;
    if (keys === undefined) {
      // The elements of an array where an object is mapped: objects, null or arrays of those.
      const array = frame.container as unknown[];
      if (frame.next >= array.length) {
        stack.pop();
        continue;
      }
      const index = frame.next++;
      const element = array[index];
      if (element !== null)
        stack.push(objectFrame(frame.spec, element, [...frame.segments, index], frame.path));
      continue;
    }
    if (frame.next >= keys.length) {
      stack.pop();
      continue;
    }
    const key = keys[frame.next++]!;
    const value = (frame.container as Record<string, unknown>)[key];
    const path = frame.root ? key : frame.path + '.' + key;
    const segments = [...frame.segments, key];
    const moveAside = () => {
      displaced.push({ segments, value });
      pairs.add(path, value);
    };
    if (frame.root && (RESERVED_ROOT_FIELDS.has(key) || key.startsWith('_'))) {
      // `@timestamp`/`ct` are ours; a root `_id`, `_source`... is an OpenSearch metadata field.
      moveAside();
      continue;
    }
    if (key === '' || key.includes('.')) {
      // Inside a mapped object OpenSearch splits dotted keys into paths and rejects empty ones.
      moveAside();
      continue;
    }
    const spec = frame.spec.children.get(key);
    if (spec === undefined) {
      pairs.add(path, value, { segments, displaced }); // not typed: indexed only as pairs, whatever its shape
    } else if (typeof spec === 'string') {
      if (!leafFits(spec, value)) moveAside();
    } else if (!objectFits(value)) {
      moveAside();
    } else if (value !== null) {
      stack.push(objectFrame(spec, value, segments, path));
    }
  }
  return displaced;
}

function objectFrame(spec: CompiledObject, value: unknown, segments: PathSegment[], path: string): Frame {
  const isArray = Array.isArray(value);
  const container = value as Record<string, unknown> | unknown[];
  const keys = isArray ? undefined : Object.keys(container);
  return { spec, keys, container, next: 0, segments, path, root: false };
}

/**
 * An object mapping accepts objects, null, and arrays (at any depth, but here at most MAX_WALK_DEPTH)
 * of those.
 */
function objectFits(value: unknown): boolean {
  return everyElement(value, (element) => element === null || typeof element === 'object');
}

/** Whether OpenSearch will accept `value` for a leaf of this kind (arrays hold several values). */
export function leafFits(kind: LeafKind, value: unknown): boolean {
  if (kind === 'boolean') {
    // Boolean fields take JSON booleans and exactly "true", "false" or "" (no ignore_malformed).
    return everyElement(
      value,
      (element) =>
        element === null ||
        typeof element === 'boolean' ||
        element === 'true' ||
        element === 'false' ||
        element === '',
    );
  }
  // keyword/text index numbers and booleans as their text; dates are ignore_malformed.
  return everyElement(
    value,
    (element) =>
      element === null ||
      typeof element === 'string' ||
      typeof element === 'number' ||
      typeof element === 'boolean',
  );
}

/**
 * Whether `test` holds for `value`, or for every non-array element of it, arrays within arrays
 * included, none deeper than MAX_WALK_DEPTH levels.
 */
function everyElement(value: unknown, test: (element: unknown) => boolean): boolean {
  if (!Array.isArray(value)) return test(value);
  const arrays: unknown[][] = [value];
  const positions: number[] = [0];
  while (arrays.length > 0) {
    const top = arrays.length - 1;
    const array = arrays[top]!;
    const position = positions[top]!;
    if (position >= array.length) {
      arrays.pop();
      positions.pop();
      continue;
    }
    positions[top] = position + 1;
    const element = array[position];
    if (Array.isArray(element)) {
      if (arrays.length > MAX_WALK_DEPTH) return false; // the element's depth is arrays.length
      arrays.push(element);
      positions.push(0);
    } else if (!test(element)) return false;
  }
  return true;
}
