/**
 * Runs write operations against the cluster and renders each outcome as a bulk item (OPENSEARCH.md
 * §2.2, §2.3): real statuses, results and error objects, in request order. The single-document APIs
 * reuse it. An item's failure never stops the items after it, and nothing of a failed item is kept.
 */
import type { Cluster } from '../cluster.js';
import { generateId } from '../cluster.js';
import {
  OpenSearchError,
  illegalArgument,
  mapperParsing,
  renderCause,
  shardMeta,
  type ErrorCause,
} from '../errors.js';
import type { FlavorTraits } from '../flavor.js';
import type { IndexState } from '../index-state.js';
import { RawJson, isJsonObject, newJsonObject, parseJson, stringifyJson, type JsonObject } from '../json.js';
import { ByteWalker } from '../mapping/byte-walk.js';
import { parseDocument } from '../mapping/document-parser.js';
import { PendingValues } from '../mapping/pending-values.js';
import type { BulkOperation, SourceSlice } from './parser.js';

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

/**
 * A stack overflow while handling one item (an update merging a document nested tens of thousands of
 * levels deep) fails that item alone; the items before it are already applied and must be reported.
 */
function tooDeep(error: RangeError): OpenSearchError | RangeError {
  if (!/call stack/i.test(error.message)) return error;
  return mapperParsing('failed to parse', {
    type: 'parse_exception',
    reason: 'the document is nested too deeply for the dev server to process',
  });
}

function sliceOf(text: string): SourceSlice {
  const body = Buffer.from(text, 'utf8');
  return { body, start: 0, end: body.length };
}

export class WriteExecutor {
  /** Reused for every document: values are gathered here, then stored if the document is accepted. */
  private readonly values = new PendingValues();
  /** The fast path for sources it can walk exactly; parseDocument handles the rest. */
  private readonly walker = new ByteWalker();

  constructor(
    private readonly cluster: Cluster,
    private readonly traits: FlavorTraits,
  ) {}

  run(op: BulkOperation, refresh: RefreshPolicy): ItemOutcome {
    let index: IndexState | undefined;
    let id = op.id;
    try {
      index = op.action === 'delete' ? this.cluster.get(op.index!) : this.cluster.indexForWrite(op.index!);
      if (id === '' && (op.action === 'index' || op.action === 'create')) {
        throw illegalArgument('if _id is specified it must not be empty');
      }
      id ??= generateId();
      const success = this.apply(op, index, id);
      return this.successItem(op.action, index, success, refresh);
    } catch (error) {
      const failure = error instanceof RangeError ? tooDeep(error) : error;
      if (!(failure instanceof OpenSearchError)) throw failure;
      return this.failureItem(op.action, op.index!, id, failure.status, failure.asCause, index);
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
    source: SourceSlice,
    createOnly: boolean,
    meta: Record<string, unknown>,
  ): Success {
    if (source.invalidUtf8) {
      throw mapperParsing('failed to parse', {
        type: 'json_parse_exception',
        reason: 'Invalid UTF-8 start byte',
      });
    }
    this.values.reset();
    const target = index.parseTarget();
    const parsed = this.walker.walk(source.body, source.start, source.end, target, this.values)
      ? {}
      : parseDocument(source.body.toString('utf8', source.start, source.end), id, target, this.values);
    // The mapping update is applied before the engine's version checks, as in OpenSearch.
    if (parsed.updatedMapping) index.setMapping(parsed.updatedMapping);
    const existing = index.docs.find(id);
    if (createOnly && existing >= 0) {
      throw new OpenSearchError(
        409,
        'version_conflict_engine_exception',
        `[${id}]: version conflict, document already exists (current version [${index.docs.version(existing)}])`,
        shardMeta(index.name, index.uuid),
      );
    }
    this.checkSequence(index, id, meta);
    const version = existing >= 0 ? index.docs.version(existing) + 1 : 1;
    const seqNo = index.takeSeqNo();
    const routing = meta.routing ?? meta._routing;
    index.store(
      {
        id,
        version,
        seqNo,
        routing: routing === undefined ? undefined : String(routing),
        source: source.body,
        start: source.start,
        end: source.end,
      },
      this.values,
    );
    return {
      id,
      version,
      result: existing >= 0 ? 'updated' : 'created',
      status: existing >= 0 ? 200 : 201,
      seqNo,
    };
  }

  private checkSequence(index: IndexState, id: string, meta: Record<string, unknown>): void {
    if (meta.if_seq_no === undefined && meta.if_primary_term === undefined) return;
    const existing = index.docs.find(id);
    const required = `required seqNo [${String(meta.if_seq_no)}], primary term [${String(meta.if_primary_term)}]`;
    const current =
      existing >= 0
        ? `current document has seqNo [${index.docs.seqNo(existing)}] and primary term [1]`
        : 'but no document was found';
    if (
      existing < 0 ||
      index.docs.seqNo(existing) !== Number(meta.if_seq_no) ||
      Number(meta.if_primary_term) !== 1
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
    const existing = index.docs.find(id);
    if (existing < 0) {
      const upsert = body.docAsUpsert ? body.doc : body.upsert;
      if (!upsert) {
        throw new OpenSearchError(
          404,
          'document_missing_exception',
          `[${id}]: document missing`,
          shardMeta(index.name, index.uuid),
        );
      }
      return this.write(index, id, sliceOf(stringifyJson(upsert)), false, op.meta);
    }
    this.checkSequence(index, id, op.meta);
    const currentText = index.source(existing);
    const current = parseJson(currentText).value as JsonObject;
    const merged = stringifyJson(deepMerge(current, body.doc ?? newJsonObject()));
    if (body.detectNoop && merged === stringifyJson(current)) {
      return {
        id,
        version: index.docs.version(existing),
        result: 'noop',
        status: 200,
        seqNo: index.docs.seqNo(existing),
      };
    }
    return this.write(index, id, sliceOf(merged), false, {});
  }

  private remove(index: IndexState, id: string): Success {
    const existing = index.docs.find(id);
    if (existing < 0) return { id, version: 1, result: 'not_found', status: 404, seqNo: index.takeSeqNo() };
    const version = index.docs.version(existing) + 1;
    index.remove(existing);
    return { id, version, result: 'deleted', status: 200, seqNo: index.takeSeqNo() };
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
