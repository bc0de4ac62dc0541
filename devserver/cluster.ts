/**
 * The in-memory cluster: indices (settings, mapping, documents, refresh state), templates and cluster
 * settings. Index creation lives here because explicit creation and bulk auto-creation share it.
 */
import { randomBytes } from 'node:crypto';
import { autoCreateRefusal } from './auto-create.js';
import { OpenSearchError, indexNotFound } from './errors.js';
import { resolveIndexExpression, validateIndexName, type ResolveOptions } from './index-names.js';
import type { DocumentLimits } from './mapping/document-parser.js';
import {
  buildFieldIndex,
  countFields,
  objectTooDeep,
  type FieldIndex,
  type RootMapping,
} from './mapping/model.js';
import { mergeMappings, validateMapping, wrapCreateIndexMappingError } from './mapping/validate.js';
import type { IndexedValue } from './mapping/values.js';
import { illegalArgument } from './errors.js';
import { intSetting, normaliseIndexSettings, type FlatSettings } from './settings.js';
import { TemplateRegistry } from './templates.js';

export interface StoredDocument {
  id: string;
  /** `_source` exactly as sent. */
  sourceText: string;
  fields: Map<string, IndexedValue[]>;
  /** Text fields: index in `fields` where each value's tokens start (phrases stay within a value). */
  textStarts?: Map<string, number[]>;
  version: number;
  seqNo: number;
  primaryTerm: number;
  /** Position in indexing order, the order Lucene returns unsorted hits in. */
  order: number;
}

/** 20 URL-safe characters, the shape of OpenSearch's auto-generated ids. */
export function generateId(): string {
  return randomBytes(15).toString('base64url');
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
  fieldIndex: FieldIndex = buildFieldIndex({});
  readonly live = new Map<string, StoredDocument>();
  /** Documents as of the last refresh: what search, count and _cat see. */
  private searchable: StoredDocument[] = [];
  private lastRefresh = Date.now();
  private changedSinceRefresh = false;
  private nextSeqNo = 0;
  private nextOrder = 0;
  deletedDocs = 0;

  constructor(
    readonly name: string,
    public settings: FlatSettings,
  ) {}

  setMapping(mapping: RootMapping): void {
    this.mapping = mapping;
    this.fieldIndex = buildFieldIndex(mapping);
  }

  limits(): DocumentLimits {
    return {
      totalFields: intSetting(this.settings, 'index.mapping.total_fields.limit', 1000),
      depth: intSetting(this.settings, 'index.mapping.depth.limit', 20),
      ignoreMalformed: this.settings['index.mapping.ignore_malformed'] === 'true',
    };
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

  store(doc: Omit<StoredDocument, 'seqNo' | 'primaryTerm' | 'order'>): StoredDocument {
    if (this.live.has(doc.id)) this.deletedDocs++;
    const stored = { ...doc, seqNo: this.nextSeqNo++, primaryTerm: 1, order: this.nextOrder++ };
    this.live.set(doc.id, stored);
    this.changedSinceRefresh = true;
    return stored;
  }

  remove(id: string): { seqNo: number; version: number } {
    const existing = this.live.get(id)!;
    this.live.delete(id);
    this.deletedDocs++;
    this.changedSinceRefresh = true;
    return { seqNo: this.nextSeqNo++, version: existing.version + 1 };
  }

  /** Seq-no for a delete of a missing document (OpenSearch still assigns one). */
  takeSeqNo(): number {
    return this.nextSeqNo++;
  }

  refresh(): void {
    this.searchable = [...this.live.values()].sort((a, b) => a.order - b.order);
    this.lastRefresh = Date.now();
    this.changedSinceRefresh = false;
  }

  /**
   * The searchable documents. Changes become visible on refresh; the periodic refresh
   * (`index.refresh_interval`, default 1s, `-1` = off) is applied lazily when a reader arrives.
   */
  searchView(now = Date.now()): StoredDocument[] {
    const interval = parseInterval(this.settings['index.refresh_interval']);
    if (this.changedSinceRefresh && interval >= 0 && now - this.lastRefresh >= interval) this.refresh();
    return this.searchable;
  }

  storeSizeBytes(): number {
    let bytes = 208; // an empty shard is not empty on disk
    for (const doc of this.searchView()) bytes += Buffer.byteLength(doc.sourceText) + 64;
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
}

export interface CreateIndexRequest {
  settings?: unknown;
  mappings?: unknown;
  aliases?: unknown;
}

export class Cluster {
  readonly uuid = randomBytes(16).toString('base64url').slice(0, 22);
  readonly indices = new Map<string, IndexState>();
  readonly templates = new TemplateRegistry();
  readonly persistentSettings: Record<string, string> = {};
  readonly transientSettings: Record<string, string> = {};

  clusterSetting(key: string): string | undefined {
    return this.transientSettings[key] ?? this.persistentSettings[key];
  }

  names(): string[] {
    return [...this.indices.keys()].sort();
  }

  hiddenNames(): Set<string> {
    return new Set(
      [...this.indices.values()].filter((i) => i.settings['index.hidden'] === 'true').map((i) => i.name),
    );
  }

  resolve(expression: string, options: ResolveOptions = {}): IndexState[] {
    return resolveIndexExpression(expression, this.names(), { hidden: this.hiddenNames(), ...options }).map(
      (name) => this.indices.get(name)!,
    );
  }

  get(name: string): IndexState {
    const index = this.indices.get(name);
    if (!index) throw indexNotFound(name);
    return index;
  }

  /** Creates an index from templates plus the request (request settings win). */
  createIndex(name: string, request: CreateIndexRequest = {}): IndexState {
    validateIndexName(name);
    const existing = this.indices.get(name);
    if (existing) {
      throw new OpenSearchError(
        400,
        'resource_already_exists_exception',
        `index [${name}/${existing.uuid}] already exists`,
        {
          index_uuid: existing.uuid,
          index: name,
        },
      );
    }
    const fromTemplates = this.templates.contributionFor(name);
    const requested = normaliseIndexSettings(request.settings ?? {});
    const settings: FlatSettings = {
      'index.number_of_shards': '1',
      'index.number_of_replicas': '1',
      ...fromTemplates.settings,
    };
    for (const [key, value] of Object.entries(requested)) {
      if (value === null) delete settings[key];
      else settings[key] = value;
    }
    const index = new IndexState(name, settings);
    let mapping = fromTemplates.mappings ?? {};
    if (request.mappings !== undefined) {
      try {
        // Spec §5.1: mappings in the create-index request take precedence over the template's.
        mapping = mergeMappings(mapping, validateMapping(request.mappings), 'compose');
      } catch (error) {
        throw wrapCreateIndexMappingError(error);
      }
    }
    index.checkMappingLimits(mapping);
    index.setMapping(mapping);
    this.indices.set(name, index);
    return index;
  }

  /** The index a write targets, auto-creating it when allowed (spec §5.3). */
  indexForWrite(name: string): IndexState {
    const existing = this.indices.get(name);
    if (existing) return existing;
    validateIndexName(name);
    const refusal = autoCreateRefusal(name, this.clusterSetting('action.auto_create_index'));
    if (refusal) throw indexNotFound(name, refusal);
    return this.createIndex(name);
  }
}
