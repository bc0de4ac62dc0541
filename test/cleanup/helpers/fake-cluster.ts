/**
 * A small OpenSearch stand-in over real HTTP, with just the behaviour the cleanup relies on
 * (docs: opensearch-behaviour.md §2.4, §6.1, §6.2, §6.3, §7):
 * - GET /_cat/indices[/patterns]?format=json with string values and `h=`;
 * - PUT /{index} (400 resource_already_exists_exception when present);
 * - DELETE /{a,b,c}: a missing concrete name → 404 and NOTHING deleted unless ignore_unavailable=true;
 *   wildcards refused as with destructive_requires_name=true; request lines over 4 kB refused;
 * - GET /_cluster/health and /_cluster/settings (switchable off, like Serverless);
 * - ISM policies and add under whichever API bases are enabled.
 * Faults are queued per method + path pattern and answered instead of the real handler.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  method: string;
  /** Matched against the decoded path (without query). */
  path: RegExp;
  status: number;
  body: unknown;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

interface IndexState {
  primaries: number;
  replicas: number;
  createdMs: number;
  ismPolicy?: string;
}

interface StoredPolicy {
  seqNo: number;
  primaryTerm: number;
  policy: Record<string, unknown>;
}

export interface FakeClusterOptions {
  /** Shards for indices created without explicit settings (the "template"). */
  defaultPrimaries?: number;
  defaultReplicas?: number;
  dataNodes?: number;
  /** `cluster.max_shards_per_node` set persistently; undefined means only the default (1000). */
  maxShardsPerNode?: number;
  /** Shards of indices we do not model (system indices etc.), counted by _cluster/health. */
  otherShards?: number;
  /** false: no _cluster/health or _cluster/settings (Serverless). */
  clusterApis?: boolean;
  /** Which ISM API bases exist. */
  ismBases?: string[];
}

const MAX_INITIAL_LINE = 4096;

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

export class FakeCluster {
  readonly indices = new Map<string, IndexState>();
  readonly policies = new Map<string, StoredPolicy>();
  /** Indices whose deletion fails (e.g. a snapshot in progress), with the error they answer. */
  readonly undeletable = new Map<string, { status: number; type: string; reason: string }>();
  /** Runs before each request is handled: lets a test change the cluster "meanwhile". */
  beforeRequest?: (method: string, path: string) => void;
  url = '';
  private readonly faults: Fault[] = [];
  private readonly server = createServer((req, res) => void this.handle(req, res));

  constructor(readonly options: FakeClusterOptions = {}) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addIndex(name: string, settings: { primaries?: number; replicas?: number } = {}): void {
    this.indices.set(name, {
      primaries: settings.primaries ?? this.options.defaultPrimaries ?? 1,
      replicas: settings.replicas ?? this.options.defaultReplicas ?? 1,
      createdMs: Date.now(),
    });
  }

  indexNames(): string[] {
    return [...this.indices.keys()].sort();
  }

  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.method === method && f.path.test(path) && (f.times ?? 1) > 0);
    if (fault) fault.times = (fault.times ?? 1) - 1;
    return fault;
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
    const rawUrl = req.url ?? '/';
    if (`${method} ${rawUrl} HTTP/1.1`.length > MAX_INITIAL_LINE) {
      send(
        400,
        errorBody(400, 'too_long_frame_exception', `An HTTP line is larger than ${MAX_INITIAL_LINE} bytes.`),
      );
      return;
    }
    const url = new URL(rawUrl, 'http://fake');
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const path = '/' + segments.join('/');
    this.beforeRequest?.(method, path);
    const fault = this.takeFault(method, path);
    if (fault) {
      send(fault.status, fault.body);
      return;
    }
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const [first = '', second, third, fourth] = segments;
    const query = url.searchParams;

    if (method === 'GET' && first === '_cat' && second === 'indices')
      return this.catIndices(send, third, query);
    if (first === '_cluster' && this.options.clusterApis !== false) {
      if (method === 'GET' && second === 'health') return send(200, this.health());
      if (method === 'GET' && second === 'settings') return send(200, this.settings());
    }
    if (this.options.ismBases?.includes(`${first}/${second}`)) {
      if (third === 'policies' && fourth) return this.ismPolicy(send, method, fourth, body, query);
      if (method === 'POST' && third === 'add' && fourth) return this.ismAdd(send, fourth, body);
    }
    if (segments.length === 1 && !first.startsWith('_')) {
      if (method === 'PUT') return this.createIndex(send, first, body);
      if (method === 'DELETE') return this.deleteIndices(send, first, query);
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
          pri: String(state.primaries),
          rep: String(state.replicas),
          'creation.date': String(state.createdMs),
        };
        return Object.fromEntries(columns.map((column) => [column, all[column] ?? null]));
      });
    send(200, rows);
  }

  private totalShards(): number {
    let total = this.options.otherShards ?? 0;
    for (const state of this.indices.values()) total += state.primaries * (1 + state.replicas);
    return total;
  }

  private health() {
    return {
      cluster_name: 'fake',
      status: 'green',
      number_of_nodes: this.options.dataNodes ?? 1,
      number_of_data_nodes: this.options.dataNodes ?? 1,
      active_primary_shards: 0,
      active_shards: this.totalShards(),
      relocating_shards: 0,
      initializing_shards: 0,
      unassigned_shards: 0,
    };
  }

  private settings() {
    const persistent: Record<string, string> = {};
    if (this.options.maxShardsPerNode !== undefined) {
      persistent['cluster.max_shards_per_node'] = String(this.options.maxShardsPerNode);
    }
    return { persistent, transient: {}, defaults: { 'cluster.max_shards_per_node': '1000' } };
  }

  private createIndex(send: (s: number, b: unknown) => void, name: string, body: Record<string, unknown>) {
    if (this.indices.has(name)) {
      send(
        400,
        errorBody(400, 'resource_already_exists_exception', `index [${name}/x] already exists`, {
          index: name,
        }),
      );
      return;
    }
    const settings = (body.settings ?? {}) as Record<string, unknown>;
    this.addIndex(name, {
      primaries: settings.number_of_shards === undefined ? undefined : Number(settings.number_of_shards),
      replicas: settings.number_of_replicas === undefined ? undefined : Number(settings.number_of_replicas),
    });
    send(200, { acknowledged: true, shards_acknowledged: true, index: name });
  }

  private deleteIndices(send: (s: number, b: unknown) => void, list: string, query: URLSearchParams) {
    const names = list.split(',');
    if (names.some((name) => name.includes('*') || name === '_all')) {
      send(
        400,
        errorBody(400, 'illegal_argument_exception', 'Wildcard expressions or all indices are not allowed'),
      );
      return;
    }
    const ignoreUnavailable = query.get('ignore_unavailable') === 'true';
    const missing = names.find((name) => !this.indices.has(name));
    if (missing !== undefined && !ignoreUnavailable) {
      send(
        404,
        errorBody(404, 'index_not_found_exception', `no such index [${missing}]`, { index: missing }),
      );
      return;
    }
    const blocked = names.map((name) => this.undeletable.get(name)).find(Boolean);
    if (blocked) {
      send(blocked.status, errorBody(blocked.status, blocked.type, blocked.reason));
      return;
    }
    for (const name of names) this.indices.delete(name);
    send(200, { acknowledged: true });
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
