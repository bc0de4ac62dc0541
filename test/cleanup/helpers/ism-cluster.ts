/**
 * A stand-in for the ISM plugin API over real HTTP, which the dev server does not implement (everything
 * else the cleanup uses runs against the dev server): `_cat/indices` (JSON, `h=`), and ISM policies
 * (GET / PUT with `if_seq_no`+`if_primary_term`, what a real GET adds to a stored policy) and `add`,
 * under whichever API bases are enabled.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface IndexState {
  createdMs: number;
  ismPolicy?: string;
}

interface StoredPolicy {
  seqNo: number;
  primaryTerm: number;
  policy: Record<string, unknown>;
}

export interface IsmClusterOptions {
  /** Which ISM API bases exist (`_plugins/_ism`, `_opendistro/_ism`). */
  ismBases?: string[];
}

function errorBody(status: number, type: string, reason: string, extra: Record<string, unknown> = {}) {
  return { error: { root_cause: [{ type, reason, ...extra }], type, reason, ...extra }, status };
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    '^' +
      glob
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  );
}

export class IsmCluster {
  readonly indices = new Map<string, IndexState>();
  readonly policies = new Map<string, StoredPolicy>();
  url = '';
  private readonly server = createServer((req, res) => void this.handle(req, res));

  constructor(readonly options: IsmClusterOptions = {}) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addIndex(name: string): void {
    this.indices.set(name, { createdMs: Date.now() });
  }

  indexNames(): string[] {
    return [...this.indices.keys()].sort();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake');
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const [first = '', second, third, fourth] = segments;
    const query = url.searchParams;

    if (method === 'GET' && first === '_cat' && second === 'indices')
      return this.catIndices(send, third, query);
    if (this.options.ismBases?.includes(`${first}/${second}`)) {
      if (third === 'policies' && fourth) return this.ismPolicy(send, method, fourth, body, query);
      if (method === 'POST' && third === 'add' && fourth) return this.ismAdd(send, fourth, body);
    }
    send(400, { error: `no handler found for uri [${url.pathname}] and method [${method}]`, status: 400 });
  }

  private catIndices(
    send: (s: number, b: unknown) => void,
    patterns: string | undefined,
    query: URLSearchParams,
  ) {
    const globs = (patterns ?? '*').split(',').map(globToRegExp);
    const columns = query.get('h')?.split(',') ?? ['health', 'status', 'index', 'uuid', 'pri', 'rep'];
    const rows = this.indexNames()
      .filter((name) => globs.some((glob) => glob.test(name)))
      .map((name) => {
        const state = this.indices.get(name)!;
        const all: Record<string, string> = {
          health: 'green',
          status: 'open',
          index: name,
          uuid: `uuid-${name}`,
          pri: '1',
          rep: '1',
          'creation.date': String(state.createdMs),
        };
        return Object.fromEntries(columns.map((column) => [column, all[column] ?? null]));
      });
    send(200, rows);
  }

  private ismPolicy(
    send: (s: number, b: unknown) => void,
    method: string,
    id: string,
    body: Record<string, unknown>,
    query: URLSearchParams,
  ) {
    const stored = this.policies.get(id);
    if (method === 'GET') {
      if (!stored) return send(404, errorBody(404, 'status_exception', 'Policy not found'));
      return send(200, {
        _id: id,
        _version: stored.seqNo + 1,
        _seq_no: stored.seqNo,
        _primary_term: stored.primaryTerm,
        policy: stored.policy,
      });
    }
    if (method !== 'PUT') return send(405, { error: 'method not allowed' });
    const seqNo = query.get('if_seq_no');
    const primaryTerm = query.get('if_primary_term');
    if (
      stored &&
      (seqNo === null || Number(seqNo) !== stored.seqNo || Number(primaryTerm) !== stored.primaryTerm)
    ) {
      return send(409, errorBody(409, 'version_conflict_engine_exception', `[${id}]: version conflict`));
    }
    if (!stored && seqNo !== null) {
      return send(
        409,
        errorBody(409, 'version_conflict_engine_exception', `[${id}]: document does not exist`),
      );
    }
    const policy = this.withServerBookkeeping(id, body.policy as Record<string, unknown>);
    const next: StoredPolicy = { seqNo: stored ? stored.seqNo + 1 : 0, primaryTerm: 1, policy };
    this.policies.set(id, next);
    send(stored ? 200 : 201, {
      _id: id,
      _version: next.seqNo + 1,
      _seq_no: next.seqNo,
      _primary_term: 1,
      policy: { policy },
    });
  }

  /** What a real GET returns beyond what was PUT: ids, times, retry defaults on actions. */
  private withServerBookkeeping(id: string, policy: Record<string, unknown>): Record<string, unknown> {
    const states = (policy.states as Record<string, unknown>[]).map((state) => ({
      ...state,
      actions: (state.actions as Record<string, unknown>[]).map((action) => ({
        retry: { count: 3, backoff: 'exponential', delay: '1m' },
        ...action,
      })),
    }));
    const templates = (policy.ism_template as Record<string, unknown>[] | undefined)?.map((t) => ({
      ...t,
      last_updated_time: 1,
    }));
    return {
      policy_id: id,
      last_updated_time: 1,
      schema_version: 21,
      error_notification: null,
      ...policy,
      states,
      ism_template: templates,
    };
  }

  private ismAdd(send: (s: number, b: unknown) => void, list: string, body: Record<string, unknown>) {
    const policyId = String(body.policy_id);
    if (!this.policies.has(policyId))
      return send(404, errorBody(404, 'status_exception', 'Could not find policy'));
    let updated = 0;
    const failed: { index_name: string; index_uuid: string; reason: string }[] = [];
    for (const name of list.split(',')) {
      const state = this.indices.get(name);
      if (!state) continue;
      if (state.ismPolicy !== undefined) {
        failed.push({
          index_name: name,
          index_uuid: `uuid-${name}`,
          reason: 'This index already has a policy, use the update policy API to update index policies',
        });
      } else {
        state.ismPolicy = policyId;
        updated++;
      }
    }
    send(200, { updated_indices: updated, failures: failed.length > 0, failed_indices: failed });
  }
}
