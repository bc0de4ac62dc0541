/**
 * The bundled samples as the index holds them, read independently of the product: every record of
 * every sample file in walk order, the first occurrence of each id only (later ones are duplicates),
 * each keyed `file#position` as the documents' `ct.source#ct.recordIndex` are.
 */
import { walkFiles } from '../../src/source/local.js';
import { skipReason } from '../../src/trigger/skip.js';
import { readSampleRecords, SAMPLES_DIR } from '../helpers/samples.js';

export type RawRecord = Record<string, unknown>;

export interface IndexedSample {
  key: string;
  record: RawRecord;
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A nested value by its dotted path, or undefined. */
export function at(record: unknown, path: string): unknown {
  let value = record;
  for (const part of path.split('.')) value = isObject(value) ? value[part] : undefined;
  return value;
}

const usableId = (id: unknown) => typeof id === 'string' && id !== '' && Buffer.byteLength(id) <= 512;

export async function indexedSamples(): Promise<IndexedSample[]> {
  const out: IndexedSample[] = [];
  const ids = new Set<string>();
  for await (const file of walkFiles([SAMPLES_DIR])) {
    if (skipReason({ bucket: '', key: file.path, size: file.size })) continue;
    for (const [position, record] of readSampleRecords(file.path).entries()) {
      const id = usableId(record.eventID) ? String(record.eventID) : `content:${JSON.stringify(record)}`;
      if (ids.has(id)) continue;
      ids.add(id);
      out.push({ key: `${file.path}#${position}`, record });
    }
  }
  return out;
}

/** `ct.source#ct.recordIndex` of a returned event. */
export function keyOfEvent(event: Record<string, unknown>): string {
  const ct = event.ct as { source: string; recordIndex: number };
  return `${ct.source}#${ct.recordIndex}`;
}

/** The record's eventTime in epoch ms, when it is a plain ISO time (the builder's first choice). */
export function eventTimeMs(record: RawRecord): number | undefined {
  const time = record.eventTime;
  if (typeof time !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(time))
    return undefined;
  return Date.parse(time);
}
