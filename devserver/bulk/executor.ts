/**
 * Runs write operations against the cluster and renders each outcome as a bulk item (spec §2.2, §2.3):
 * real statuses, results and error objects, in request order. The single-document APIs reuse it.
 */
import type { Cluster, IndexState } from '../cluster.js';
import { generateId } from '../cluster.js';
import { OpenSearchError, illegalArgument, renderCause, shardMeta, type ErrorCause } from '../errors.js';
import type { FlavorTraits } from '../flavor.js';
import {
  RawJson,
  isJsonObject,
  newJsonObject,
  parseJson,
  stringifyJson,
  type JsonObject,
  type JsonValue,
} from '../json.js';
import { parseDocument } from '../mapping/document-parser.js';
import type { BulkOperation } from './parser.js';

export interface ItemOutcome {
  action: string;
  status: number;
  failed: boolean;
  body: Record<string, unknown>;
  /** The index the item touched, for refresh. */
  index?: IndexState;
}

export type RefreshPolicy = 'true' | 'false' | 'wait_for';

export function parseRefresh(value: string | undefined): RefreshPolicy {
  if (value === undefined || value === 'false') return 'false';
  if (value === '' || value === 'true') return 'true';
  if (value === 'wait_for') return 'wait_for';
  throw illegalArgument(`Unknown value for refresh: [${value}].`);
}

interface Success {
  id: string;
  version: number;
  result: 'created' | 'updated' | 'deleted' | 'not_found' | 'noop';
  status: number;
  seqNo: number;
}

function deepMerge(target: JsonObject, patch: JsonObject): JsonObject {
  const out = newJsonObject();
  Object.assign(out, target);
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isJsonObject(current) && isJsonObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  return stringifyJson(a) === stringifyJson(b);
}

export class WriteExecutor {
  constructor(
    private readonly cluster: Cluster,
    private readonly traits: FlavorTraits,
  ) {}

  run(op: BulkOperation, refresh: RefreshPolicy): ItemOutcome {
    let index: IndexState | undefined;
    let id = op.id;
    try {
      index = op.action === 'delete' ? this.cluster.get(op.index!) : this.cluster.indexForWrite(op.index!);
      id ??= generateId();
      const success = this.apply(op, index, id);
      return this.successItem(op.action, index, success, refresh);
    } catch (error) {
      if (!(error instanceof OpenSearchError)) throw error;
      return this.failureItem(op.action, op.index!, id, error.status, error.asCause, index);
    }
  }

  private apply(op: BulkOperation, index: IndexState, id: string): Success {
    switch (op.action) {
      case 'index':
      case 'create':
        return this.write(index, id, op.source!, op.action === 'create', op.meta);
      case 'update':
        return this.update(index, id, op);
      case 'delete':
        return this.remove(index, id);
    }
  }

  private write(
    index: IndexState,
    id: string,
    sourceText: string,
    createOnly: boolean,
    meta: Record<string, unknown>,
  ): Success {
    const parsed = parseDocument(sourceText, id, index.mapping, index.limits());
    // The mapping update is applied before the engine's version checks, as in OpenSearch.
    if (parsed.updatedMapping) index.setMapping(parsed.updatedMapping);
    const existing = index.live.get(id);
    if (createOnly && existing) {
      throw new OpenSearchError(
        409,
        'version_conflict_engine_exception',
        `[${id}]: version conflict, document already exists (current version [${existing.version}])`,
        shardMeta(index.name, index.uuid),
      );
    }
    this.checkSequence(index, id, meta);
    const stored = index.store({
      id,
      sourceText,
      fields: parsed.fields,
      textStarts: parsed.textStarts,
      version: (existing?.version ?? 0) + 1,
    });
    return {
      id,
      version: stored.version,
      result: existing ? 'updated' : 'created',
      status: existing ? 200 : 201,
      seqNo: stored.seqNo,
    };
  }

  private checkSequence(index: IndexState, id: string, meta: Record<string, unknown>): void {
    if (meta.if_seq_no === undefined && meta.if_primary_term === undefined) return;
    const existing = index.live.get(id);
    const required = `required seqNo [${String(meta.if_seq_no)}], primary term [${String(meta.if_primary_term)}]`;
    const current = existing
      ? `current document has seqNo [${existing.seqNo}] and primary term [${existing.primaryTerm}]`
      : 'but no document was found';
    if (
      !existing ||
      existing.seqNo !== Number(meta.if_seq_no) ||
      existing.primaryTerm !== Number(meta.if_primary_term)
    ) {
      throw new OpenSearchError(
        409,
        'version_conflict_engine_exception',
        `[${id}]: version conflict, ${required}. ${current}`,
        shardMeta(index.name, index.uuid),
      );
    }
  }

  private update(index: IndexState, id: string, op: BulkOperation): Success {
    const body = op.update!;
    if (body.hasScript) throw illegalArgument('scripted updates are not supported by the dev server');
    const existing = index.live.get(id);
    if (!existing) {
      const upsert = body.docAsUpsert ? body.doc : body.upsert;
      if (!upsert) {
        throw new OpenSearchError(
          404,
          'document_missing_exception',
          `[${id}]: document missing`,
          shardMeta(index.name, index.uuid),
        );
      }
      return this.write(index, id, stringifyJson(upsert), false, {});
    }
    this.checkSequence(index, id, op.meta);
    const current = parseJson(existing.sourceText).value as JsonObject;
    const merged = deepMerge(current, body.doc ?? newJsonObject());
    if (body.detectNoop && sameJson(current, merged)) {
      return { id, version: existing.version, result: 'noop', status: 200, seqNo: existing.seqNo };
    }
    return this.write(index, id, stringifyJson(merged), false, {});
  }

  private remove(index: IndexState, id: string): Success {
    if (!index.live.has(id))
      return { id, version: 1, result: 'not_found', status: 404, seqNo: index.takeSeqNo() };
    const { seqNo, version } = index.remove(id);
    return { id, version, result: 'deleted', status: 200, seqNo };
  }

  private successItem(action: string, index: IndexState, s: Success, refresh: RefreshPolicy): ItemOutcome {
    const body: Record<string, unknown> = { _index: index.name };
    if (this.traits.reportsType) body._type = '_doc';
    Object.assign(body, { _id: s.id, _version: s.version, result: s.result });
    if (refresh === 'true' && s.result !== 'noop') body.forced_refresh = true;
    const copies = s.result === 'noop' ? 0 : index.replicas() + 1;
    body._shards = { total: copies, successful: s.result === 'noop' ? 0 : 1, failed: 0 };
    Object.assign(body, { _seq_no: s.seqNo, _primary_term: 1, status: s.status });
    return { action, status: s.status, failed: false, body, index };
  }

  failureItem(
    action: string,
    indexName: string,
    id: string | undefined,
    status: number,
    cause: ErrorCause,
    index?: IndexState,
  ): ItemOutcome {
    const body: Record<string, unknown> = { _index: indexName };
    if (this.traits.reportsType) body._type = '_doc';
    Object.assign(body, { _id: id ?? null, status, error: renderCause(cause) });
    return { action, status, failed: true, body, index };
  }
}

/** Renders stored source for responses, byte-for-byte as it was sent. */
export function sourceOf(sourceText: string): RawJson {
  return new RawJson(sourceText);
}
