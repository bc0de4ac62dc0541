/** Test helpers: the sample corpus, and an independent model of how OpenSearch would accept a _source. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

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

export const FIXED_NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
