/**
 * `_bulk` (spec §2) and the single-document APIs (`_doc`, `_create`, `_update`), all running through
 * the same write executor so item outcomes are identical.
 */
import { WriteExecutor, parseRefresh, sourceOf, type ItemOutcome } from '../bulk/executor.js';
import { parseBulkBody, type BulkOperation } from '../bulk/parser.js';
import type { IndexState } from '../cluster.js';
import { OpenSearchError } from '../errors.js';
import type { FaultSpec } from '../faults.js';
import { flag, type Reply, type RequestContext, type Router } from '../http/router.js';
import { isJsonObject, parseJson } from '../json.js';
import type { ServerState } from './state.js';

function rejectionReason(state: ServerState, bytes: number): string {
  if (state.traits.rejectedExecutionType === 'es_rejected_execution_exception') {
    return (
      'rejected execution of org.elasticsearch.transport.TransportService$7@5c3f1a2b on EsThreadPoolExecutor' +
      '[name = devserver-node/write, queue capacity = 10000, org.elasticsearch.common.util.concurrent.EsThreadPoolExecutor@1b2c3d4e' +
      '[Running, pool size = 2, active threads = 2, queued tasks = 10000, completed tasks = 123456]]'
    );
  }
  return (
    'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, ' +
    `all_bytes=0, coordinating_operation_bytes=${bytes}, max_coordinating_and_primary_bytes=53687091]`
  );
}

/** The per-item 429 a rejection fault produces instead of running the item. */
function rejectedItem(
  executor: WriteExecutor,
  state: ServerState,
  op: BulkOperation,
  fault: Extract<FaultSpec, { kind: 'item-rejection' }>,
  bytes: number,
): ItemOutcome {
  const type = fault.exceptionType ?? state.traits.rejectedExecutionType;
  return executor.failureItem(op.action, op.index!, op.id, 429, {
    type,
    reason: rejectionReason(state, bytes),
  });
}

function refreshTouched(outcomes: ItemOutcome[], policy: string): void {
  if (policy === 'false') return;
  const touched = new Set<IndexState>();
  for (const outcome of outcomes) if (outcome.index) touched.add(outcome.index);
  touched.forEach((index) => index.refresh());
}

function runWrite(state: ServerState, request: RequestContext, op: BulkOperation): Reply {
  const refresh = parseRefresh(request.query.get('refresh') ?? undefined);
  const outcome = new WriteExecutor(state.cluster, state.traits).run(op, refresh);
  refreshTouched([outcome], refresh);
  if (outcome.failed) {
    const error = outcome.body.error as { type: string; reason: string; caused_by?: unknown };
    const { type, reason, ...meta } = error;
    throw new OpenSearchError(outcome.status, type, reason, meta);
  }
  const { status: _status, ...body } = outcome.body;
  return { status: outcome.status, body };
}

export function registerDocumentRoutes(router: Router, state: ServerState): void {
  const bulk = (request: RequestContext): Reply => {
    const started = Date.now();
    const refresh = parseRefresh(request.query.get('refresh') ?? undefined);
    const operations = parseBulkBody(request.bodyText, request.params.index, state.traits);
    const executor = new WriteExecutor(state.cluster, state.traits);
    const fault = request.fault?.kind === 'item-rejection' ? request.fault : undefined;
    const bytes = Buffer.byteLength(request.bodyText);
    const outcomes = operations.map((op) => {
      const rejected =
        fault && (fault.itemProbability === undefined || state.faults.draw() < fault.itemProbability);
      return rejected ? rejectedItem(executor, state, op, fault, bytes) : executor.run(op, refresh);
    });
    refreshTouched(outcomes, refresh);
    return {
      status: 200,
      body: {
        took: Date.now() - started,
        errors: outcomes.some((o) => o.failed),
        items: outcomes.map((o) => ({ [o.action]: o.body })),
      },
    };
  };
  router.add(['POST', 'PUT'], '/_bulk', bulk);
  router.add(['POST', 'PUT'], '/{index}/_bulk', bulk);

  const writeDoc = (action: 'index' | 'create') => (request: RequestContext) =>
    runWrite(state, request, {
      action: action === 'index' && request.query.get('op_type') === 'create' ? 'create' : action,
      index: request.params.index,
      id: request.params.id,
      meta: Object.fromEntries(
        ['if_seq_no', 'if_primary_term']
          .filter((k) => request.query.has(k))
          .map((k) => [k, request.query.get(k)]),
      ),
      source: request.bodyText,
    });
  router.add(['PUT', 'POST'], '/{index}/_doc/{id}', writeDoc('index'));
  router.add(['POST'], '/{index}/_doc', writeDoc('index'));
  router.add(['PUT', 'POST'], '/{index}/_create/{id}', writeDoc('create'));

  router.add(['POST'], '/{index}/_update/{id}', (request) => {
    const body = `{"update":{}}\n${request.bodyText.replace(/\n/g, ' ')}\n`;
    const [op] = parseBulkBody(body, request.params.index, state.traits);
    return runWrite(state, request, { ...op!, id: request.params.id });
  });

  router.add(['DELETE'], '/{index}/_doc/{id}', (request) => {
    const refresh = parseRefresh(request.query.get('refresh') ?? undefined);
    const op: BulkOperation = {
      action: 'delete',
      index: request.params.index,
      id: request.params.id,
      meta: {},
    };
    const outcome = new WriteExecutor(state.cluster, state.traits).run(op, refresh);
    refreshTouched([outcome], refresh);
    if (outcome.failed) {
      const error = outcome.body.error as { type: string; reason: string };
      const { type, reason, ...meta } = error;
      throw new OpenSearchError(outcome.status, type, reason, meta);
    }
    const { status: _status, ...body } = outcome.body;
    return { status: outcome.status, body };
  });

  const getDoc = (request: RequestContext, withBody: boolean): Reply => {
    const index = state.cluster.get(request.params.index!);
    const doc = index.live.get(request.params.id!);
    const head: Record<string, unknown> = { _index: index.name };
    if (state.traits.reportsType) head._type = '_doc';
    head._id = request.params.id;
    if (!doc) return { status: 404, body: withBody ? { ...head, found: false } : undefined };
    const body = {
      ...head,
      _version: doc.version,
      _seq_no: doc.seqNo,
      _primary_term: doc.primaryTerm,
      found: true,
    };
    if (!flag(request, '_source') && request.query.get('_source') === 'false') return { status: 200, body };
    return { status: 200, body: withBody ? { ...body, _source: sourceOf(doc.sourceText) } : undefined };
  };
  router.add(['GET'], '/{index}/_doc/{id}', (request) => getDoc(request, true));
  router.add(['HEAD'], '/{index}/_doc/{id}', (request) => getDoc(request, false));
  router.add(['GET'], '/{index}/_source/{id}', (request) => {
    const doc = state.cluster.get(request.params.index!).live.get(request.params.id!);
    if (!doc) {
      throw new OpenSearchError(
        404,
        'resource_not_found_exception',
        `Document not found [${request.params.index}]/[${request.params.id}]`,
      );
    }
    const source = parseJson(doc.sourceText).value;
    return { status: 200, body: isJsonObject(source) ? sourceOf(doc.sourceText) : source };
  });
}
