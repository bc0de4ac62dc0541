/**
 * Self-heal for per-item mapping errors. Our own template makes these impossible, but an index
 * created by an older template, another tool or plain dynamic mapping can still reject a document
 * (a field mapped `long` receiving "abc", an object receiving a string, the field limit, an
 * immense keyword term). The healer moves the offending value out of the indexed document into the
 * `ct.original` JSON string (so the whole record stays recoverable from `_source`, see
 * `recoverRecord`), tags the document `healed`, and lets the sender retry it once.
 *
 * A document that repeats a key (one built before duplicate keys were resolved by the builder, sent
 * again from a dead letter) is rewritten as the builder now writes such records, whatever the error
 * says: the last value of each key is kept and the others go to `ct.overwritten`. OpenSearch names the
 * duplicate only in a nested cause (`failed to parse`, caused by `Duplicate field 'x'`).
 *
 * Documents are rewritten from their parse with stringifyJson, at any depth.
 */
import type { BulkDocument } from '../types.js';
import { overwrittenJson, overwrittenValues } from './duplicateKeys.js';
import { stringifyJson } from './json.js';
import { bareObject, isPlainObject, toPointer, withoutPath, type PathSegment } from './jsonPointer.js';
import { documentFromText, sourceText } from './memory.js';
import { RESERVED_ROOT_FIELDS, TYPED_FIELDS } from './typedFields.js';

/** Error types that describe the document's content (others, e.g. 429 or 409, are not ours to heal). */
const HEALABLE_TYPES = new Set([
  'mapper_parsing_exception',
  'document_parsing_exception', // Elasticsearch 8 name
  'illegal_argument_exception',
  'strict_dynamic_mapping_exception',
]);

/** `ct` members the builder derives from the record: dropping them loses nothing of the record. */
const DERIVED_CT_FIELDS = new Set([
  'pairs',
  'text',
  'sourceIp',
  'truncated',
  'source',
  'recordIndex',
  'actor',
  'actorType',
  'sessionName',
  'mfa',
  'console',
]);

/** Patterns naming the offending field, most specific first. Group 1 is the dotted path. */
const FIELD_PATTERNS: RegExp[] = [
  /object mapping for \[([^\]]+)\] tried to parse field/,
  /failed to parse field \[([^\]]+)\]/,
  /immense term in field="([^"]+)"/,
  /Could not dynamically add mapping for field \[([^\]]+)\]/,
  /mapper \[([^\]]+)\] (?:cannot be changed|of different type)/,
  /Can't merge a non object mapping \[([^\]]+)\]/,
  /Limit of mapping depth \[\d+\] has been exceeded due to object field \[([^\]]+)\]/,
];
const STRICT_PATTERN = /dynamic introduction of \[([^\]]+)\] within \[([^\]]+)\]/;

/**
 * Flattens a bulk item `error` object (`{type, reason, caused_by: {...}}`) into one line holding
 * every reason in the chain, which is what `healDocument` expects as `errorReason`.
 */
export function errorReasonChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 10 && isPlainObject(current); depth++) {
    if (typeof current.reason === 'string') parts.push(current.reason);
    current = current.caused_by;
  }
  return parts.join(' | ');
}

/** The dotted field path an error reason names, if any. */
export function fieldPathFromReason(reason: string): string | undefined {
  for (const pattern of FIELD_PATTERNS) {
    const match = pattern.exec(reason);
    if (match?.[1] !== undefined) return match[1];
  }
  const strict = STRICT_PATTERN.exec(reason);
  if (strict?.[1] !== undefined && strict[2] !== undefined) {
    return strict[2] === '_doc' ? strict[1] : `${strict[2]}.${strict[1]}`;
  }
  return undefined;
}

export function healDocument(
  document: BulkDocument,
  errorType: string,
  errorReason: string,
): BulkDocument | undefined {
  if (!HEALABLE_TYPES.has(errorType)) return undefined;
  const text = sourceText(document);
  let source: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isPlainObject(parsed) || !isPlainObject(parsed.ct)) return undefined; // not built by us
    source = parsed;
  } catch {
    return undefined;
  }
  const healed = heal(source, text, errorReason);
  if (healed === undefined) return undefined;
  const ct = healed.ct as Record<string, unknown>;
  const tags = Array.isArray(ct.tags) ? (ct.tags as unknown[]) : [];
  if (!tags.includes('healed')) ct.tags = [...tags, 'healed'];
  const { index, id, recordIndex, eventTimeMs } = document;
  return documentFromText({ index, id, recordIndex, eventTimeMs }, stringifyJson(healed));
}

function heal(
  source: Record<string, unknown>,
  sourceText: string,
  reason: string,
): Record<string, unknown> | undefined {
  const overwritten = overwrittenValues(sourceText);
  if (overwritten.length > 0) {
    // The parse kept the last of each repeated key; the values it replaced are kept beside it.
    const ct = copyCt(source);
    ct.overwritten = overwrittenJson(overwritten);
    const tags = Array.isArray(ct.tags) ? (ct.tags as unknown[]) : [];
    if (!tags.includes('duplicate-keys')) ct.tags = [...tags, 'duplicate-keys'];
    return { ...source, ct };
  }
  if (/Limit of total fields \[\d+\] has been exceeded/.test(reason)) {
    // Which field crossed the limit is not said: keep only the typed fields indexed.
    const loose = Object.keys(source).filter(
      (key) => !RESERVED_ROOT_FIELDS.has(key) && !Object.hasOwn(TYPED_FIELDS, key),
    );
    return loose.length === 0
      ? undefined
      : moveAside(
          source,
          loose.map((key) => [key]),
        );
  }
  const path = fieldPathFromReason(reason);
  if (path === undefined || path === '@timestamp') return undefined;
  if (path === 'ct' || path.startsWith('ct.')) {
    const member = path.split('.')[1];
    if (member === undefined || !DERIVED_CT_FIELDS.has(member)) return undefined;
    const ct = copyCt(source);
    if (!(member in ct)) return undefined;
    delete ct[member];
    return { ...source, ct };
  }
  const located = locate(source, path.split('.'));
  return located === undefined ? undefined : moveAside(source, [located]);
}

/**
 * Finds the value a dotted path names, as actual keys. Keys that themselves contain dots are
 * matched too. Stops at an array (array positions are not part of mapping paths), and returns the
 * deepest existing key on the way when the full path does not exist (e.g. `errorMessage.keyword`
 * names a sub-field of `errorMessage`).
 */
function locate(root: Record<string, unknown>, parts: string[]): string[] | undefined {
  const found: string[] = [];
  let container: Record<string, unknown> = root;
  let rest = parts;
  while (rest.length > 0) {
    let matched = false;
    for (let take = rest.length; take >= 1; take--) {
      const key = rest.slice(0, take).join('.');
      if (!Object.hasOwn(container, key)) continue;
      found.push(key);
      rest = rest.slice(take);
      const value = container[key];
      if (rest.length > 0 && isPlainObject(value)) container = value;
      else rest = [];
      matched = true;
      break;
    }
    if (!matched) break;
  }
  if (found.length === 0 || (found.length === 1 && RESERVED_ROOT_FIELDS.has(found[0]!))) return undefined;
  return found;
}

function moveAside(source: Record<string, unknown>, paths: PathSegment[][]): Record<string, unknown> {
  const ct = copyCt(source);
  const original = parseOriginal(ct.original);
  let rest = source;
  for (const segments of paths) {
    let value: unknown = source;
    for (const segment of segments) value = (value as Record<string, unknown>)[String(segment)];
    let pointer = toPointer(segments);
    while (Object.hasOwn(original, pointer)) pointer += '~'; // never overwrite an earlier move
    original[pointer] = value;
    rest = withoutPath(rest, segments);
  }
  ct.original = stringifyJson(original);
  const out = bareObject();
  for (const key of Object.keys(rest)) out[key] = key === 'ct' ? ct : rest[key];
  return out;
}

function copyCt(source: Record<string, unknown>): Record<string, unknown> {
  return { ...(source.ct as Record<string, unknown>) };
}

function parseOriginal(value: unknown): Record<string, unknown> {
  const original = bareObject();
  if (typeof value !== 'string') return original;
  try {
    const parsed: unknown = JSON.parse(value);
    if (isPlainObject(parsed)) for (const key of Object.keys(parsed)) original[key] = parsed[key];
  } catch {
    // unreadable: start afresh (cannot happen for documents built by us)
  }
  return original;
}
