/** Test helpers: the sample corpus, and an independent model of how OpenSearch would accept a _source. */
import { strict as assert } from 'node:assert';
import { isUtf8 } from 'node:buffer';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DocumentBuilder, type BuildContext } from '../../src/documents/builder.js';
import type { BailReason } from '../../src/documents/fast/bail.js';
import { FastBuilder } from '../../src/documents/fastBuilder.js';
import { SlabPool, SourceArena, sourceText } from '../../src/documents/memory.js';
import { ReferenceBuilder } from '../../src/documents/reference.js';
import type { BulkDocument } from '../../src/types.js';

export const SAMPLES_DIR = new URL('../../../samples/cloudtrail/', import.meta.url).pathname;

export interface SampleRecord {
  file: string;
  index: number;
  bytes: Buffer;
  record: Record<string, unknown>;
}

function* logFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* logFiles(path);
    else if (name.includes('_CloudTrail_') && name.endsWith('.json.gz')) yield path;
  }
}

/** Every record of every sample log file, re-serialised compactly as a splitter would hand it over. */
export function sampleRecords(): SampleRecord[] {
  const out: SampleRecord[] = [];
  for (const file of logFiles(SAMPLES_DIR)) {
    const { Records } = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: unknown[] };
    Records.forEach((record, index) => {
      out.push({
        file,
        index,
        bytes: Buffer.from(JSON.stringify(record)),
        record: record as Record<string, unknown>,
      });
    });
  }
  return out;
}

/**
 * Checks a _source against mappings the way OpenSearch's document parser would (written from the
 * mapping JSON, independently of the builder's own table): returns the reasons it would be rejected.
 */
export function rejections(mappings: Record<string, unknown>, source: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(source)) {
    if (key.startsWith('_')) problems.push(`metadata field [${key}] inside the document`);
  }
  checkObject(mappings, source, '', problems);
  return problems;
}

type Mapping = Record<string, unknown>;

function checkObject(
  mapping: Mapping,
  value: Record<string, unknown>,
  path: string,
  problems: string[],
): void {
  const properties = (mapping.properties ?? {}) as Record<string, Mapping>;
  for (const key of Object.keys(value)) {
    const full = path ? `${path}.${key}` : key;
    if (key === '' || key.includes('.')) {
      problems.push(`field name [${full}] is empty or dotted inside a mapped object`);
      continue;
    }
    const child = properties[key];
    if (child === undefined) continue; // dynamic: false → ignored
    checkValue(child, value[key], full, problems);
  }
}

function checkValue(mapping: Mapping, value: unknown, path: string, problems: string[]): void {
  if (value === null) return;
  if (Array.isArray(value)) {
    for (const element of value) checkValue(mapping, element, path, problems);
    return;
  }
  const type = mapping.type ?? 'object';
  if (type === 'object') {
    if (typeof value !== 'object') problems.push(`object mapping for [${path}] found a concrete value`);
    else checkObject(mapping, value as Record<string, unknown>, path, problems);
    return;
  }
  if (typeof value === 'object') {
    problems.push(`failed to parse field [${path}] of type [${String(type)}]: object`);
    return;
  }
  const text = String(value);
  switch (type) {
    case 'keyword': {
      const ignoreAbove = Number(mapping.ignore_above ?? Infinity);
      if (text.length <= ignoreAbove && Buffer.byteLength(text) > 32766)
        problems.push(`immense term in [${path}]`);
      if (!Number.isFinite(ignoreAbove) || ignoreAbove > 8191) problems.push(`[${path}] ignore_above unsafe`);
      break;
    }
    case 'boolean':
      if (!(typeof value === 'boolean' || value === 'true' || value === 'false' || value === '')) {
        problems.push(`failed to parse field [${path}] of type [boolean]: ${text}`);
      }
      break;
    case 'date':
      if (
        mapping.ignore_malformed !== true &&
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(text)
      ) {
        problems.push(`failed to parse field [${path}] of type [date]: ${text}`);
      }
      break;
    case 'ip':
      if (mapping.ignore_malformed !== true) problems.push(`[${path}] ip without ignore_malformed`);
      break;
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value))
        problems.push(`failed to parse [${path}] as long`);
      break;
    case 'text':
      break;
    default:
      problems.push(`[${path}] unexpected type ${String(type)}`);
  }
  const fields = mapping.fields as Record<string, Mapping> | undefined;
  for (const [name, sub] of Object.entries(fields ?? {})) checkValue(sub, value, `${path}.${name}`, problems);
}

/** Every `ct.pairs` entry, checked to be a safe Lucene term. */
export function pairsOf(source: Record<string, unknown>): string[] {
  const ct = source.ct as { pairs?: string[] };
  return ct.pairs ?? [];
}

/** A document's `_source` as text. */
export function text(document: BulkDocument): string {
  return sourceText(document);
}

/** The builders of one file, as a file's run makes them: one arena, the pipeline's builder and its two parts. */
export interface FileBuilders {
  /** Fast path, then the reference on a bail (what the pipeline runs). */
  document: DocumentBuilder;
  fast: FastBuilder;
  reference: ReferenceBuilder;
}

const builderCache = new Map<string, FileBuilders>();

/** Builders for `context`, made once per distinct context (each owns a few hundred KB of buffers). */
export function buildersFor(context: BuildContext): FileBuilders {
  const key = JSON.stringify(context);
  let builders = builderCache.get(key);
  if (builders === undefined) {
    const arena = new SourceArena(new SlabPool(), 1 << 20);
    builders = {
      document: new DocumentBuilder(arena, context),
      fast: new FastBuilder(arena, context),
      reference: new ReferenceBuilder(arena, context),
    };
    builderCache.set(key, builders);
  }
  return builders;
}

/** When the test files' objects were written (S3 LastModified): eventTimes up to a day later are plausible. */
export const OBJECT_TIME = Date.UTC(2026, 0, 15, 12, 0, 0);

/** A document as the differential tests compare them: every field, the source byte for byte. */
function view(document: BulkDocument) {
  return {
    index: document.index,
    id: document.id,
    eventTimeMs: document.eventTimeMs,
    recordIndex: document.recordIndex,
    source: document.bytes.toString('latin1'), // byte-exact comparison with a readable diff
  };
}

/**
 * Whether the reference builder's result confirms why the fast path declined a record: each bail reason
 * names something the reference then does (moves a value, drops a repeated key, refuses the record...).
 * Returns what does not add up, or undefined. This holds whatever the records, unlike a share of records
 * on the fast path, which depends on the data.
 */
function unexplainedBail(
  reason: BailReason,
  bytes: Buffer,
  reference: BulkDocument | Error,
): string | undefined {
  if (reference instanceof Error) return undefined; // neither builder can make it a document
  const ct = (JSON.parse(sourceText(reference)) as { ct: { tags?: string[]; truncated?: boolean } }).ct;
  const tags = ct.tags ?? [];
  const text = bytes.toString('utf8');
  // The fast path stops at the first thing it cannot take, which may sit in a value a repeated key replaced.
  if (tags.includes('duplicate-keys')) return undefined;
  switch (reason) {
    case 'displaced':
    case 'not-canonical':
      return tags.includes('displaced') ? undefined : 'the reference moved nothing aside';
    case 'escaped-boolean':
      return /\\[u/]/.test(text) ? undefined : 'the record has no escape to decode';
    case 'duplicate-key':
      return tags.includes('duplicate-keys') ? undefined : 'the reference found no repeated key';
    case 'too-deep':
      return tags.includes('depth-limited') ? undefined : 'the reference walked it whole';
    case 'invalid-utf8':
      return isUtf8(bytes) ? 'the record is valid UTF-8' : undefined;
    case 'not-an-object':
      return /^\s*\{\s*\}\s*$/.test(text) ? undefined : 'not the empty record';
    case 'odd-key':
      return hasOddKey(text) ? undefined : 'no odd key in the record';
    case 'limits':
      return tags.some((tag) => tag.endsWith('-truncated')) || ct.truncated === true || text.length > 30_000
        ? undefined
        : 'the reference cut nothing';
    default:
      return `the reference built it (${reason})`;
  }
}

/** Whether the JSON text has a key with a `\u` or `\/` escape, or one that starts with a digit. */
function hasOddKey(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '"') continue;
    let end = i + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    const content = text.slice(i + 1, end);
    let next = end + 1;
    while (/\s/.test(text[next] ?? '')) next++;
    if (text[next] === ':' && (/\\[u/]/.test(content) || /^\d/.test(content))) return true;
    i = end;
  }
  return false;
}

/**
 * Builds `bytes` with both builders of `context`'s file; when the fast path takes the record, asserts
 * that its document is the reference's, byte for byte, and when it declines it, that the reference's
 * result confirms the reason it gave. Returns whether the fast path took it.
 */
export function compareBuilders(bytes: Buffer, index: number, what: string, context: BuildContext): boolean {
  const { fast, reference } = buildersFor(context);
  const fastDocument = fast.build(bytes, index);
  let referenceDocument: BulkDocument | Error;
  try {
    referenceDocument = reference.build(bytes, index);
  } catch (error) {
    referenceDocument = error as Error;
  }
  if (fastDocument === undefined) {
    const reason = fast.bailReason!;
    const unexplained = unexplainedBail(reason, bytes, referenceDocument);
    if (unexplained !== undefined)
      assert.fail(`${what}: the fast path declined it (${reason}), but ${unexplained}`);
    if (!(referenceDocument instanceof Error)) referenceDocument.release();
    return false;
  }
  if (referenceDocument instanceof Error)
    assert.fail(`${what}: fast path built a record the reference rejects (${referenceDocument.message})`);
  assert.deepEqual(view(fastDocument), view(referenceDocument), what);
  fastDocument.release();
  referenceDocument.release();
  return true;
}

/** What the pipeline builds for the record `bytes` of a file with `context`. */
export function buildRecord(bytes: Buffer, recordIndex: number, context: BuildContext): BulkDocument {
  return buildersFor(context).document.build(bytes, recordIndex);
}
