/**
 * `dashboards install` and `dashboards export` through the CLI (a child process, as a user runs them)
 * against a local server implementing the saved-objects import API: what ends up stored, in which
 * tenant, with which anti-CSRF header, signed or with basic auth; and the exit code and message for
 * every way it can go wrong (credentials, permissions, wrong URL, a refused object, a stalled server).
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSavedObjects, exportNdjson } from '../../src/dashboards/export.js';
import { cli, cliWithEnv } from '../helpers/cli.js';
import { startImportServer, type ImportServer, type ImportServerOptions } from './importServer.js';

const OBJECT_COUNT = buildSavedObjects({ indexPrefix: 'cloudtrail-' }).length;
const NO_CREDENTIALS = {
  OPENSEARCH_USERNAME: undefined,
  OPENSEARCH_PASSWORD: undefined,
  DASHBOARDS_URL: undefined,
};

describe('dashboards install and export (CLI against a local saved-objects import API)', function () {
  this.timeout(120_000);
  const servers: ImportServer[] = [];
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'ct-dashboards-install-'));
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await rm(work, { recursive: true, force: true });
  });

  async function server(options: ImportServerOptions): Promise<ImportServer> {
    const started = await startImportServer(options);
    servers.push(started);
    return started;
  }

  const install = (url: string, ...args: string[]) =>
    cliWithEnv(NO_CREDENTIALS, 'dashboards', 'install', '--dashboards-url', url, ...args);

  it('imports every object into the tenant, with osd-xsrf; a second run overwrites instead of adding', async () => {
    const dashboards = await server({ flavor: 'opensearch-dashboards', basePath: '/_dashboards' });
    for (let run = 0; run < 2; run++) {
      const result = await install(dashboards.url, '--flavor', 'opensearch-dashboards', '--tenant', 'global');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`imported ${OBJECT_COUNT} of ${OBJECT_COUNT} saved objects`));
      assert.match(result.stdout, /dashboards: CloudTrail activity, CloudTrail security/);
    }
    const stored = dashboards.tenants.get('global')!;
    assert.equal(stored.size, OBJECT_COUNT);
    assert.ok(stored.has('dashboard:cloudtrail-opensearch-cloudtrail-dashboard-security'));
    assert.equal(dashboards.requests[0]!['kbn-xsrf'], undefined, 'only the header this flavour needs');
  });

  it('Kibana 7.10 wants kbn-xsrf: --flavor kibana and auto work, --flavor opensearch-dashboards is told what to do', async () => {
    const kibana = await server({ flavor: 'kibana' });
    assert.equal((await install(kibana.url, '--flavor', 'kibana')).code, 0);
    assert.equal((await install(kibana.url)).code, 0, 'auto sends both headers');
    const wrong = await install(kibana.url, '--flavor', 'opensearch-dashboards');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /400 \(Request must contain a kbn-xsrf header\.\).*--flavor/);
    assert.equal(kibana.tenants.get('')!.size, OBJECT_COUNT);
  });

  it('basic auth from OPENSEARCH_USERNAME/PASSWORD; without them a 401 names the URL and what to set (exit 2)', async () => {
    const secured = await server({
      flavor: 'opensearch-dashboards',
      basicAuth: { username: 'admin', password: 's3cret!' },
    });
    const refused = await install(secured.url);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, new RegExp(`POST ${secured.url}/api/saved_objects/_import: 401`));
    assert.match(refused.stderr, /OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD/);
    const ok = await cliWithEnv(
      { OPENSEARCH_USERNAME: 'admin', OPENSEARCH_PASSWORD: 's3cret!' },
      'dashboards',
      'install',
      '--dashboards-url',
      secured.url,
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stdout + ok.stderr, /s3cret/);
  });

  it('SigV4 (service es) on an AWS-style /_dashboards path', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLEDASHBOARDS', secretAccessKey: 'dashboards-secret-key' };
    const domain = await server({
      flavor: 'opensearch-dashboards',
      basePath: '/_dashboards',
      sigv4: { ...credentials, region: 'eu-west-1', service: 'es' },
    });
    const env = {
      ...NO_CREDENTIALS,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
    };
    const args = ['dashboards', 'install', '--dashboards-url', domain.url, '--auth', 'sigv4'];
    const signed = await cliWithEnv(env, ...args, '--region', 'eu-west-1');
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(domain.tenants.get('')!.size, OBJECT_COUNT);
    const fromDefaultRegion = await cliWithEnv(
      { ...env, AWS_REGION: undefined, AWS_DEFAULT_REGION: 'eu-west-1' },
      ...args,
    );
    assert.equal(
      fromDefaultRegion.code,
      0,
      `the region from $AWS_DEFAULT_REGION: ${fromDefaultRegion.stderr}`,
    );
    const wrongRegion = await cliWithEnv(env, ...args, '--region', 'us-east-1');
    assert.equal(wrongRegion.code, 2);
    assert.match(wrongRegion.stderr, /403/);
  });

  it('403 says the user may not write saved objects in the tenant; 404 says to check --dashboards-url', async () => {
    const forbidden = await server({ flavor: 'opensearch-dashboards', forbidden: true });
    const denied = await install(forbidden.url, '--tenant', 'analysts');
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /403.*may not import saved objects in tenant "analysts"/);
    const dashboards = await server({ flavor: 'opensearch-dashboards', basePath: '/_dashboards' });
    const missing = await install(dashboards.url.replace('/_dashboards', '/kibana'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /\/kibana\/api\/saved_objects\/_import: 404.*check --dashboards-url/);
  });

  it('an object the server refuses is named with its reason (exit 1); the others are imported', async () => {
    const id = 'cloudtrail-opensearch-cloudtrail-vis-top-actors';
    const dashboards = await server({ flavor: 'opensearch-dashboards', refuseIds: [id] });
    const result = await install(dashboards.url);
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`imported ${OBJECT_COUNT - 1} of ${OBJECT_COUNT}`));
    assert.match(
      result.stderr,
      new RegExp(`not imported: visualization ${id} "Top actors": missing_references: index-pattern gone`),
    );
  });

  it('retries a 503, and gives up on a server that never answers within --request-timeout (exit 2)', async () => {
    const flaky = await server({ flavor: 'opensearch-dashboards', failFirst: 2 });
    const retried = await install(flaky.url);
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(flaky.requests.length, 3);
    const stalled = await server({ flavor: 'opensearch-dashboards', stall: true });
    const timedOut = await install(stalled.url, '--request-timeout', '300');
    assert.equal(timedOut.code, 2);
    assert.match(timedOut.stderr, /no complete answer within 300 ms.*check --dashboards-url/);
  });

  it('stops reading an answer over its size bound (exit 2) instead of holding it in memory', async () => {
    const huge = await server({ flavor: 'opensearch-dashboards', answerBytes: 8 * 1024 * 1024 });
    const result = await install(huge.url);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /_import: .*\b4194304\b/);
  });

  it('export writes the same NDJSON to --out or stdout; install without a URL says what to pass', async () => {
    const out = join(work, 'export.ndjson');
    const written = await cli('dashboards', 'export', '--out', out);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(await readFile(out, 'utf8'), exportNdjson({ indexPrefix: 'cloudtrail-' }));
    const printed = await cli('dashboards', 'export', '--index-prefix', 'other-');
    assert.equal(printed.stdout, exportNdjson({ indexPrefix: 'other-' }));
    const noUrl = await cliWithEnv(
      { ...NO_CREDENTIALS, OPENSEARCH_URL: 'http://127.0.0.1:9' },
      'dashboards',
      'install',
    );
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /--dashboards-url is required/);
  });

  it('install takes the endpoint from $OPENSEARCH_ENDPOINT too, after $OPENSEARCH_URL, as every command does', async () => {
    // An endpoint without its scheme: refused as it is read, before any request, so nothing leaves the machine.
    const schemeless = 'search-logs-abc123.eu-west-1.es.amazonaws.com';
    const fromEndpoint = await cliWithEnv(
      { ...NO_CREDENTIALS, OPENSEARCH_URL: undefined, OPENSEARCH_ENDPOINT: schemeless },
      'dashboards',
      'install',
    );
    assert.equal(fromEndpoint.code, 2);
    assert.match(
      fromEndpoint.stderr,
      new RegExp(`--endpoint ${schemeless.replace(/\./g, '\\.')}: not a URL`),
    );
    const urlFirst = await cliWithEnv(
      { ...NO_CREDENTIALS, OPENSEARCH_URL: 'http://127.0.0.1:9', OPENSEARCH_ENDPOINT: schemeless },
      'dashboards',
      'install',
    );
    assert.equal(urlFirst.code, 2);
    assert.match(urlFirst.stderr, /--dashboards-url is required/);
  });
});
