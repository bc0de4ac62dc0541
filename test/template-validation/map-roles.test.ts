/**
 * `npm run map-roles` (scripts/map-roles.ts) against a local stand-in of the security plugin's REST API,
 * which stores roles and role mappings and, like the real one, replaces a whole mapping on PUT: the
 * Lambda roles end up mapped, what was mapped before is kept, and running it again changes nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT } from './helpers.js';

const SCRIPT = `${ROOT}build/scripts/map-roles.js`;
const INDEXER = 'arn:aws:iam::111122223333:role/cloudtrail-search-IndexerRole-ABC';
const CLEANUP = 'arn:aws:iam::111122223333:role/cloudtrail-search-CleanupRole-DEF';
const AUDIT = 'arn:aws:iam::111122223333:role/cloudtrail-search-AuditRole-GHI';
const QUERY_API = 'arn:aws:iam::111122223333:role/cloudtrail-search-QueryApiRole-JKL';

class SecurityApiStandIn {
  readonly roles = new Map<string, unknown>();
  readonly mappings = new Map<string, { backend_roles: string[]; hosts: string[]; users: string[] }>();
  /** When set, every request is refused with this status (as an unmapped caller is). */
  refuse: number | undefined;
  /** When set, a mapping is read back as an answer of this many bytes. */
  oversizedMappingBytes: number | undefined;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const reply = (status: number, body: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (this.refuse) return reply(this.refuse, { status: 'FORBIDDEN', message: 'no permissions' });
        const match = /^\/_plugins\/_security\/api\/(roles|rolesmapping)\/([^/?]+)$/.exec(req.url ?? '');
        if (!match) return reply(404, { status: 'NOT_FOUND' });
        const [, kind, name] = match as unknown as [string, string, string];
        const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as never) : undefined;
        const store = kind === 'roles' ? this.roles : this.mappings;
        if (req.method === 'PUT') {
          const created = !store.has(name);
          store.set(name, body!);
          return reply(created ? 201 : 200, { status: created ? 'CREATED' : 'OK' });
        }
        if (req.method === 'GET') {
          if (kind === 'rolesmapping' && this.oversizedMappingBytes) {
            res.writeHead(200, { 'content-type': 'application/json' });
            return res.end(JSON.stringify({ [name]: { users: ['x'.repeat(this.oversizedMappingBytes)] } }));
          }
          return store.has(name)
            ? reply(200, { [name]: store.get(name) })
            : reply(404, { status: 'NOT_FOUND', message: `${kind} ${name} not found.` });
        }
        reply(405, {});
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** Runs the script asynchronously (the stand-in answers from this process's event loop). */
function mapRoles(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('scripts/map-roles', function () {
  const api = new SecurityApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const args = (): string[] => ['--endpoint', api.url, '--indexer-role', INDEXER, '--cleanup-role', CLEANUP];

  it('creates both roles on the index prefix and maps the Lambda roles, keeping what was mapped', async function () {
    api.mappings.set('cloudtrail_opensearch_indexer', {
      backend_roles: ['arn:aws:iam::111122223333:role/analyst'],
      hosts: [],
      users: ['admin'],
    });
    const run = await mapRoles([...args(), '--index-prefix', 'ct-']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(api.mappings.get('cloudtrail_opensearch_indexer'), {
      backend_roles: ['arn:aws:iam::111122223333:role/analyst', INDEXER],
      hosts: [],
      users: ['admin'],
    });
    assert.deepEqual(api.mappings.get('cloudtrail_opensearch_cleanup'), {
      backend_roles: [CLEANUP],
      hosts: [],
      users: [],
    });
    const writer = api.roles.get('cloudtrail_opensearch_indexer') as {
      index_permissions: { index_patterns: string[] }[];
    };
    assert.deepEqual(writer.index_permissions[0]!.index_patterns, ['ct-*']);
    const cleaner = api.roles.get('cloudtrail_opensearch_cleanup') as {
      index_permissions: { index_patterns: string[]; allowed_actions: string[] }[];
    };
    const deleting = cleaner.index_permissions.filter((p) =>
      p.allowed_actions.includes('indices:admin/delete'),
    );
    assert.deepEqual(
      deleting.map((p) => p.index_patterns),
      [['ct-2*']],
      'cleanup deletes dated indices only',
    );
  });

  it('changes nothing when run again', async function () {
    const before = JSON.stringify([...api.mappings]);
    const run = await mapRoles([...args(), '--index-prefix', 'ct-']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.stringify([...api.mappings]), before);
    assert.match(run.stdout, /cloudtrail_opensearch_indexer: already mapped/);
  });

  it('maps the audit and query API roles when given, each to its own indices only; empty maps nothing', async function () {
    const absent = await mapRoles([
      ...args(),
      '--index-prefix',
      'ct-',
      '--audit-role',
      '',
      '--query-api-role',
      '',
    ]);
    assert.equal(absent.status, 0, absent.stderr);
    assert.equal(api.roles.has('cloudtrail_opensearch_audit'), false, 'an empty --audit-role maps nothing');
    assert.equal(api.roles.has('cloudtrail_opensearch_query_api'), false);

    const given = ['--index-prefix', 'ct-', '--audit-role', AUDIT, '--query-api-role', QUERY_API];
    const run = await mapRoles([...args(), ...given]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(api.mappings.get('cloudtrail_opensearch_audit'), {
      backend_roles: [AUDIT],
      hosts: [],
      users: [],
    });
    assert.deepEqual(api.mappings.get('cloudtrail_opensearch_query_api'), {
      backend_roles: [QUERY_API],
      hosts: [],
      users: [],
    });
    type Role = {
      cluster_permissions: string[];
      index_permissions: { index_patterns: string[]; allowed_actions: string[] }[];
    };
    const audit = api.roles.get('cloudtrail_opensearch_audit') as Role;
    assert.deepEqual(
      audit.index_permissions.map((p) => p.index_patterns),
      [['ct-ledger']],
      'the audit reaches the ledger only',
    );
    assert.ok(audit.index_permissions[0]!.allowed_actions.includes('indices:admin/refresh*'));
    const queryApi = api.roles.get('cloudtrail_opensearch_query_api') as Role;
    assert.deepEqual(queryApi.index_permissions, [{ index_patterns: ['ct-2*'], allowed_actions: ['read'] }]);
    assert.deepEqual([audit.cluster_permissions, queryApi.cluster_permissions], [[], []]);

    const again = await mapRoles([...args(), ...given]);
    assert.match(again.stdout, /cloudtrail_opensearch_audit: already mapped/);
    assert.match(again.stdout, /cloudtrail_opensearch_query_api: already mapped/);
  });

  it('explains a refusal (not signed as the master role) and exits 1', async function () {
    api.refuse = 403;
    try {
      const run = await mapRoles(args());
      assert.equal(run.status, 1);
      assert.match(run.stderr, /HTTP 403 \(sign the requests as the fine-grained access control master role/);
    } finally {
      api.refuse = undefined;
    }
  });

  it('refuses an answer larger than a role mapping can be, naming the request, and exits 1', async function () {
    api.oversizedMappingBytes = 2 * 1024 * 1024;
    try {
      const run = await mapRoles(args());
      assert.equal(run.status, 1);
      assert.match(
        run.stderr,
        /map-roles: .*GET \/_plugins\/_security\/api\/rolesmapping\/cloudtrail_opensearch_indexer.*1048576/,
      );
    } finally {
      api.oversizedMappingBytes = undefined;
    }
  });

  it('rejects a missing endpoint or a malformed role ARN', async function () {
    const run = await mapRoles(['--indexer-role', 'not-an-arn', '--cleanup-role', CLEANUP]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--endpoint URL is required.*--indexer-role needs an IAM role ARN/);
    const badAudit = await mapRoles([...args(), '--audit-role', 'AuditRole', '--query-api-role', 'None']);
    assert.equal(badAudit.status, 2);
    assert.match(
      badAudit.stderr,
      /--audit-role needs an IAM role ARN \(stack output AuditRoleArn\) or nothing.*--query-api-role needs/,
    );
  });
});
