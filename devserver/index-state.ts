/**
 * One index: its settings and mapping, its documents (numbered, with their sources kept compactly),
 * the columns of indexed values the supported queries and aggregations read, and the refresh state
 * (what `_search`, `_count` and `_cat` see is the documents as of the last refresh).
 */
import { randomBytes } from 'node:crypto';
import { illegalArgument } from './errors.js';
import type { MappingFeatures } from './flavor.js';
import type { DocumentLimits, ParseTarget } from './mapping/document-parser.js';
import { LeafPlans } from './mapping/leaf-plans.js';
import {
  buildFieldIndex,
  countFields,
  objectTooDeep,
  type FieldIndex,
  type RootMapping,
} from './mapping/model.js';
import type { PendingValues } from './mapping/pending-values.js';
import type { ColumnKind } from './mapping/values.js';
import { intSetting, type FlatSettings } from './settings.js';
import type { BlockCompressor } from './store/block-compressor.js';
import { NumberColumn, TermColumn, type FieldColumn } from './store/columns.js';
import { DocTable } from './store/doc-table.js';
import { SourceStore } from './store/source-store.js';
import { storedSource, storedSourceFilter, type SourceFilter } from './search/source-filter.js';

/** The metadata field holding the names of fields whose values `ignore_malformed` skipped. */
export const ignoredField = '_ignored';

/** What searches see: documents below `docCount` whose `visible` flag is 1. */
export interface SearchView {
  index: IndexState;
  docCount: number;
  visible: Uint8Array;
  liveCount: number;
  deletedCount: number;
  sourceBytes: number;
}

export interface StoredWrite {
  id: string;
  version: number;
  seqNo: number;
  routing?: string;
  /** The source bytes as sent (a slice of the request body when there is one). */
  source: Buffer;
  start: number;
  end: number;
}

function parseInterval(text: string | undefined): number {
  if (text === undefined) return 1000;
  if (text === '-1') return -1;
  const match = /^(\d+)(nanos|micros|ms|s|m|h|d)?$/.exec(text);
  if (!match) return 1000;
  const scale: Record<string, number> = {
    nanos: 1e-6,
    micros: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
  };
  return Number(match[1]) * scale[match[2] ?? 'ms']!;
}

export class IndexState {
  readonly uuid = randomBytes(16).toString('base64url').slice(0, 22);
  readonly creationDate = Date.now();
  mapping: RootMapping = {};
  /** The mapping's `_source` includes/excludes, if any (see source()). */
  private storedFilter: SourceFilter | undefined;
  fieldIndex: FieldIndex = buildFieldIndex({});
  readonly docs = new DocTable();
  readonly sources: SourceStore;
  readonly columns = new Map<string, FieldColumn>();
  private view: SearchView;
  private lastRefresh = Date.now();
  private changedSinceRefresh = false;
  private nextSeqNo = 0;
  private retiredDocs = 0;
  private liveSourceBytes = 0;
  private readonly plans = new LeafPlans((path, kind) => this.column(path, kind));

  constructor(
    readonly name: string,
    public settings: FlatSettings,
    private readonly features: MappingFeatures,
    compressSources = true,
    compressor?: BlockCompressor,
  ) {
    this.sources = new SourceStore(compressSources, compressor);
    this.view = this.snapshot();
  }

  setMapping(mapping: RootMapping): void {
    this.storedFilter = storedSourceFilter(mapping);
    this.mapping = mapping;
    this.fieldIndex = buildFieldIndex(mapping);
  }

  limits(): DocumentLimits {
    return {
      totalFields: intSetting(this.settings, 'index.mapping.total_fields.limit', 1000),
      depth: intSetting(this.settings, 'index.mapping.depth.limit', 20),
      ignoreMalformed: this.settings['index.mapping.ignore_malformed'] === 'true',
      documentDepthCheck: this.features.documentDepthCheck,
    };
  }

  /** What a document is parsed against. */
  parseTarget(): ParseTarget {
    return { mapping: this.mapping, limits: this.limits(), plans: this.plans };
  }

  /** Throws the limit errors for a mapping set explicitly (create index, PUT _mapping). */
  checkMappingLimits(mapping: RootMapping): void {
    const limits = this.limits();
    if (countFields(mapping) > limits.totalFields) {
      throw illegalArgument(`Limit of total fields [${limits.totalFields}] has been exceeded`);
    }
    const deep = objectTooDeep(mapping, limits.depth);
    if (deep)
      throw illegalArgument(
        `Limit of mapping depth [${limits.depth}] has been exceeded due to object field [${deep}]`,
      );
  }

  takeSeqNo(): number {
    return this.nextSeqNo++;
  }

  /** Stores a parsed document and its values; returns its number. */
  store(write: StoredWrite, values: PendingValues): number {
    const doc = this.docs.add(write.id, write.version, write.seqNo, write.routing);
    if (this.docs.replaced >= 0) this.retire(this.docs.replaced);
    this.sources.append(write.source, write.start, write.end);
    this.liveSourceBytes += write.end - write.start;
    const { termColumns, terms, starts, numberColumns, numbers, ignored } = values;
    for (let i = 0; i < termColumns.length; i++) termColumns[i]!.append(doc, terms[i]!, starts[i]);
    for (let i = 0; i < numberColumns.length; i++) numberColumns[i]!.append(doc, numbers[i]!);
    if (ignored.length > 0) {
      const column = this.column(ignoredField, 'terms') as TermColumn;
      for (const field of new Set(ignored)) column.append(doc, field);
    }
    this.changedSinceRefresh = true;
    return doc;
  }

  /** Deletes the live document `doc`. */
  remove(doc: number): void {
    this.liveSourceBytes -= this.sources.length(doc);
    this.docs.remove(doc);
    this.retiredDocs++;
    this.changedSinceRefresh = true;
  }

  /** The column of `path`, created on first use. */
  column(path: string, kind: ColumnKind): FieldColumn {
    let column = this.columns.get(path);
    if (!column) {
      column = kind === 'numbers' ? new NumberColumn() : new TermColumn(kind === 'text');
      this.columns.set(path, column);
    }
    return column;
  }

  /**
   * The `_source` of `doc` as the index stores it: what the mapping's `_source` includes/excludes leave
   * of the source as sent (which is kept whole, and is what the fields are indexed from).
   */
  source(doc: number): string {
    return storedSource(this.sources.read(doc), this.storedFilter);
  }

  refresh(): void {
    this.view = this.snapshot();
    this.lastRefresh = Date.now();
    this.changedSinceRefresh = false;
  }

  /**
   * The searchable documents. Changes become visible on refresh; the periodic refresh
   * (`index.refresh_interval`, default 1s, `-1` = off) is applied lazily when a reader arrives.
   */
  searchView(now = Date.now()): SearchView {
    const interval = parseInterval(this.settings['index.refresh_interval']);
    if (this.changedSinceRefresh && interval >= 0 && now - this.lastRefresh >= interval) this.refresh();
    return this.view;
  }

  /** Bytes of memory the index holds (sources, documents, columns). */
  memoryBytes(): number {
    let bytes = this.sources.bytes() + this.docs.bytes();
    for (const column of this.columns.values()) bytes += column.bytes();
    return bytes;
  }

  replicas(): number {
    return intSetting(this.settings, 'index.number_of_replicas', 1);
  }

  shards(): number {
    return intSetting(this.settings, 'index.number_of_shards', 1);
  }

  health(): 'green' | 'yellow' {
    return this.replicas() > 0 ? 'yellow' : 'green';
  }

  private retire(doc: number): void {
    this.liveSourceBytes -= this.sources.length(doc);
    this.retiredDocs++;
  }

  private snapshot(): SearchView {
    return {
      index: this,
      docCount: this.docs.size,
      visible: new Uint8Array(this.docs.live.view()),
      liveCount: this.docs.liveCount,
      deletedCount: this.retiredDocs,
      sourceBytes: this.liveSourceBytes,
    };
  }
}
