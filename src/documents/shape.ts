/**
 * Checks a parsed record against the typed-field table before it is sent.
 *
 * OpenSearch rejects a whole document when one value does not fit its mapped type (an object where
 * a keyword is mapped, "True" where a boolean is mapped, a string where an object is mapped), or
 * when a key cannot be a field name inside a mapped object (empty, dotted, a root `_` metadata
 * name). This walk finds every such value so the builder can move it aside (into `ct.original`)
 * instead; every value that is not indexed by a typed field is fed to the pair collector.
 */
import type { PathSegment } from './jsonPointer.js';
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

/** A value that must leave the indexed document, named by its path in the record. */
export interface Displacement {
  segments: PathSegment[];
  value: unknown;
}

/**
 * Walks `record`, collecting pairs for free-form values and returning the values that must be
 * moved aside. The record is not modified.
 */
export function inspectRecord(record: Record<string, unknown>, pairs: PairCollector): Displacement[] {
  const displaced: Displacement[] = [];
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (RESERVED_ROOT_FIELDS.has(key) || key.startsWith('_')) {
      // `@timestamp`/`ct` are ours; a root `_id`, `_source`... is an OpenSearch metadata field.
      displaced.push({ segments: [key], value });
      pairs.add(key, value);
    } else {
      inspectMember(ROOT, key, value, [], key, pairs, displaced);
    }
  }
  return displaced;
}

function inspectMember(
  parent: CompiledObject,
  key: string,
  value: unknown,
  parentSegments: PathSegment[],
  path: string,
  pairs: PairCollector,
  displaced: Displacement[],
): void {
  if (key === '' || key.includes('.')) {
    // Inside a mapped object OpenSearch splits dotted keys into paths and rejects empty ones.
    displaced.push({ segments: [...parentSegments, key], value });
    pairs.add(path, value);
    return;
  }
  const spec = parent.children.get(key);
  if (spec === undefined) {
    pairs.add(path, value); // not typed: indexed only as pairs, whatever its shape
    return;
  }
  if (typeof spec === 'string') {
    if (!leafFits(spec, value)) {
      displaced.push({ segments: [...parentSegments, key], value });
      pairs.add(path, value);
    }
    return;
  }
  const segments = [...parentSegments, key];
  if (!objectFits(value)) {
    displaced.push({ segments, value });
    pairs.add(path, value);
    return;
  }
  inspectObjectValue(spec, value, segments, path, pairs, displaced);
}

/** Descends into an object (or an array of objects) mapped as `spec`. */
function inspectObjectValue(
  spec: CompiledObject,
  value: unknown,
  segments: PathSegment[],
  path: string,
  pairs: PairCollector,
  displaced: Displacement[],
): void {
  if (value === null) return;
  if (Array.isArray(value)) {
    value.forEach((element, index) =>
      inspectObjectValue(spec, element, [...segments, index], path, pairs, displaced),
    );
    return;
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    inspectMember(spec, key, object[key], segments, path + '.' + key, pairs, displaced);
  }
}

/** An object mapping accepts objects, null, and arrays (at any depth) of those. */
function objectFits(value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.every(objectFits);
  return typeof value === 'object';
}

/** Whether OpenSearch will accept `value` for a leaf of this kind (arrays hold several values). */
export function leafFits(kind: LeafKind, value: unknown): boolean {
  if (Array.isArray(value)) return value.every((element) => leafFits(kind, element));
  if (value === null) return true;
  if (kind === 'boolean') {
    // Boolean fields take JSON booleans and exactly "true", "false" or "" (no ignore_malformed).
    return typeof value === 'boolean' || value === 'true' || value === 'false' || value === '';
  }
  // keyword/text index numbers and booleans as their text; dates are ignore_malformed.
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
