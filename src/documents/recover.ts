/**
 * Puts the original CloudTrail record back together from a stored `_source`: removes our
 * `@timestamp` and `ct`, then restores every value the builder or the healer moved into
 * `ct.original`. The result is the record as JSON.parse reads it (so for a record that repeated a key,
 * with the last value; the others are in `ct.overwritten`).
 *
 * Documents healed for a duplicate key by earlier versions hold the whole previous text in
 * `ct.originalText`: it is read when present.
 */
import { copyJson } from './json.js';
import { fromPointer, isPlainObject, setPath } from './jsonPointer.js';

export function recoverRecord(source: string | Record<string, unknown>): Record<string, unknown> {
  const document: unknown = typeof source === 'string' ? JSON.parse(source) : copyJson(source);
  if (!isPlainObject(document)) throw new Error('a _source must be a JSON object');
  const ct = document.ct;
  if (isPlainObject(ct) && typeof ct.originalText === 'string') return recoverRecord(ct.originalText);
  const record: Record<string, unknown> = {};
  for (const key of Object.keys(document)) {
    if (key !== '@timestamp' && key !== 'ct') Object.defineProperty(record, key, describe(document[key]));
  }
  if (isPlainObject(ct) && typeof ct.original === 'string') {
    const original: unknown = JSON.parse(ct.original);
    if (isPlainObject(original)) {
      for (const pointer of Object.keys(original)) {
        // A trailing "~" marks a second move of the same path (healer); "~" alone is not valid here.
        setPath(record, fromPointer(pointer.replace(/~+$/, '')), original[pointer]);
      }
    }
  }
  return record;
}

function describe(value: unknown): PropertyDescriptor {
  return { value, enumerable: true, writable: true, configurable: true };
}
