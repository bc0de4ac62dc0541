/**
 * What the CLI says when something is wrong, through the CLI as a child process: one line on stderr
 * naming the thing (endpoint, path, credentials, file) and what to change, the same precision for
 * `index`, `cleanup`, `install-ism` and `redrive`, exit 2 for what only a change of command or setting
 * can fix, and never a password.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { Invocation } from '../../src/cli/invocation.js';
import { buildProgram, everyCommand } from '../../src/cli/program.js';
import { BIN, cli, cliWithEnv, summaryNumber, type CliResult } from '../helpers/cli.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';

/** Each command that talks to a cluster, with what it needs besides the connection options. */
const CLUSTER_COMMANDS: Record<string, string[]> = {
  index: [SAMPLES_DIR],
  cleanup: ['--keep-days', '30'],
  'install-ism': ['--keep-days', '30'],
  redrive: ['--from', 'index:cloudtrail-deadletter'],
};

/**
 * Every other command that reads from a cluster, with what it needs: they check the endpoint the same
 * way. `dashboards install` talks to Dashboards, not the cluster (its own tests cover its errors).
 */
const READING_COMMANDS: Record<string, string[]> = {
  activity: [],
  actors: [],
  services: [],
  top: ['--by', 'event'],
  serve: ['--port', '0'],
  audit: ['s3://trail-bucket/AWSLogs/'],
};
const ENDPOINT_COMMANDS = { ...CLUSTER_COMMANDS, ...READING_COMMANDS };

/** Environment in which the AWS SDK finds no credentials at all (no variables, files or metadata). */
const NO_AWS_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
};

/** The error line: exactly one line on stderr, from the command, without the raw texts it replaces. */
function errorLine(result: CliResult, command: string): string {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  const line = lines[0]!;
  assert.ok(line.startsWith(`cloudtrail-opensearch ${command}: `), line);
  for (const raw of ['Response Error', 'wrong version number', 'Could not load credentials', 'ENOENT:']) {
    assert.ok(!line.includes(raw), `raw text "${raw}" in: ${line}`);
  }
  return line;
}

/**
 * A web server that is not OpenSearch: an HTML page on every path but `/`, a 404. Its `/` is a welcome
 * page (200), the same 404 page, or (like a proxy in front of a cluster) OpenSearch's own answer.
 */
async function startWebServer(options: {
  root: 'welcome' | 'not-found' | 'like-opensearch';
}): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (options.root === 'like-opensearch' && request.url === '/') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ version: { number: '2.19.1', distribution: 'opensearch' } }));
      return;
    }
    response.writeHead(request.url === '/' && options.root === 'welcome' ? 200 : 404, {
      'content-type': 'text/html',
    });
    response.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('CLI errors: one line naming the thing and the fix (child process)', function () {
  this.timeout(120_000);
  let server: DevServer;
  let workDir: string;

  before(async () => {
    server = await startDevServer({ port: 0 });
    workDir = await mkdtemp(join(tmpdir(), 'ct-cli-errors-'));
  });
  after(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });
  afterEach(() => server.faults.clear());

  it('the commands above are every command with --endpoint (read from the program)', () => {
    const withEndpoint = everyCommand(buildProgram(new Invocation()))
      .filter(({ command }) => command.options.some((option) => option.long === '--endpoint'))
      .map(({ path }) => path.slice(1).join(' '))
      .filter((name) => name !== 'dashboards install');
    assert.deepEqual(withEndpoint.sort(), Object.keys(ENDPOINT_COMMANDS).sort());
  });

  it('nothing listening at the endpoint: every command says so, exit 2', async () => {
    await Promise.all(
      Object.entries(ENDPOINT_COMMANDS).map(async ([command, args]) => {
        const result = await cli(command, ...args, '--endpoint', 'http://127.0.0.1:1');
        assert.equal(result.code, 2, `${command}: ${result.stderr}`);
        assert.match(
          errorLine(result, command),
          /cannot connect to 127\.0\.0\.1:1: connection refused .* Check the host and port of --endpoint/,
        );
      }),
    );
  });

  it('https:// to a plain-HTTP port: says to use http://, at once (one connection, no retries), exit 2', async () => {
    await Promise.all(
      Object.entries(CLUSTER_COMMANDS).map(async ([command, args]) => {
        // A plain-HTTP port of its own per command, to count the connections that command makes.
        const plain = await startWebServer({ root: 'like-opensearch' });
        let connections = 0;
        plain.server.on('connection', () => connections++);
        try {
          const tls = plain.url.replace('http://', 'https://');
          const result = await cli(command, ...args, '--endpoint', tls);
          assert.equal(result.code, 2, `${command}: ${result.stderr}`);
          const line = errorLine(result, command);
          assert.ok(line.includes(`${tls} does not speak TLS`), line);
          assert.ok(line.includes(`use ${plain.url} in --endpoint`), line);
          assert.equal(connections, 1, `${command}: connections to the plain port`);
        } finally {
          plain.server.close();
        }
      }),
    );
  });

  it('an endpoint that is not OpenSearch (a web page): every command says so, exit 2', async () => {
    const web = await startWebServer({ root: 'welcome' });
    try {
      await Promise.all(
        Object.entries(ENDPOINT_COMMANDS).map(async ([command, args]) => {
          const result = await cli(command, ...args, '--endpoint', web.url);
          assert.equal(result.code, 2, `${command}: ${result.stderr}`);
          const line = errorLine(result, command);
          assert.ok(line.includes(`${web.url} does not look like OpenSearch or Elasticsearch`), line);
          assert.match(line, /Welcome to nginx/);
          assert.match(line, /Check --endpoint is the cluster's REST endpoint/);
        }),
      );
    } finally {
      web.server.close();
    }
  });

  it('a web server answering a 404 page to everything, GET / included: every command says so, exit 2', async () => {
    const web = await startWebServer({ root: 'not-found' });
    try {
      const runs = Object.entries(ENDPOINT_COMMANDS).map(async ([command, args]) => {
        const result = await cli(command, ...args, '--endpoint', web.url);
        assert.equal(result.code, 2, `${command}: ${result.stderr}${result.stdout}`);
        assert.match(
          errorLine(result, command),
          /does not look like OpenSearch or Elasticsearch: it answered HTTP 404 with <!doctype html>.*Check --endpoint/,
        );
      });
      // Dashboards install talks to Dashboards, and says the URL is not Dashboards the same way.
      const dashboards = cli('dashboards', 'install', '--dashboards-url', web.url).then((result) => {
        assert.equal(result.code, 2, `dashboards install: ${result.stderr}${result.stdout}`);
        assert.match(
          errorLine(result, 'dashboards install'),
          /404 \(<!doctype html>.*\): no saved-objects import API at this URL: check --dashboards-url/,
        );
      });
      await Promise.all([...runs, dashboards]);
    } finally {
      web.server.close();
    }
  });

  describe('an endpoint whose GET / looks like OpenSearch but that answers a 404 page past it', () => {
    let proxy: { url: string; server: Server };
    let s3: TestS3;
    before(async () => {
      proxy = await startWebServer({ root: 'like-opensearch' });
      s3 = await startS3();
      await s3.createBucket('empty-trail');
    });
    after(async () => {
      proxy?.server.close();
      await s3?.close();
    });

    /** Runs the command against the proxy: it must say the endpoint is not OpenSearch, exit 2. */
    async function explainsNotOpenSearch(command: string, ...args: string[]): Promise<void> {
      const result = await cli(...command.split(' '), ...args, '--endpoint', proxy.url);
      assert.equal(result.code, 2, `${command}: ${result.stderr}${result.stdout}`);
      assert.match(
        errorLine(result, command),
        /does not look like OpenSearch or Elasticsearch: it answered HTTP 404 with <!doctype html>.*Check --endpoint/,
      );
    }

    it('index and cleanup (their first call past GET /)', async () => {
      await Promise.all(
        ['index', 'cleanup'].map((command) => explainsNotOpenSearch(command, ...CLUSTER_COMMANDS[command]!)),
      );
    });

    it('redrive: not "no dead letter index" (exit 0)', async () => {
      await explainsNotOpenSearch('redrive', ...CLUSTER_COMMANDS.redrive!);
    });

    it('install-ism: not "ISM is not available" (exit 1)', async () => {
      await explainsNotOpenSearch('install-ism', ...CLUSTER_COMMANDS['install-ism']!);
    });

    it('the query commands: activity, actors, services, top', async () => {
      await Promise.all(
        ['activity', 'actors', 'services', 'top'].map((command) =>
          explainsNotOpenSearch(command, ...READING_COMMANDS[command]!),
        ),
      );
    });

    it('audit (its ledger calls)', async () => {
      await explainsNotOpenSearch('audit', 's3://empty-trail/AWSLogs/', '--s3-endpoint', s3.endpoint);
    });

    it('serve: a query answers 502 saying the endpoint is not OpenSearch (not the raw page)', async () => {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--endpoint', proxy.url]);
      try {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        while (!/listening on (http:\S+)/.test(stdout)) {
          if (child.exitCode !== null) assert.fail(`serve exited ${child.exitCode}`);
          await once(child.stdout, 'data');
        }
        const url = /listening on (http:\S+)/.exec(stdout)![1]!;
        const answer = await fetch(`${url}/events?from=2026-01-01&to=2026-01-02`, {
          signal: AbortSignal.timeout(30_000),
        });
        assert.equal(answer.status, 502);
        assert.match(
          await answer.text(),
          /the cluster did not answer the query: .*does not look like OpenSearch or Elasticsearch: it answered HTTP 404 with <!doctype html>.*Check --endpoint/,
        );
      } finally {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
    });
  });

  it('a 403 from fine-grained access control: every command names the role and how to map it, exit 2', async () => {
    const role = 'arn:aws:iam::111122223333:role/backfill';
    // First on GET / itself, then only past it (the listing of cleanup, the search of redrive, the
    // template install of index), so both the check up front and the command's own calls are covered.
    for (const path of ['*', '/_*', '/cloudtrail-deadletter/*']) {
      server.faults.clear();
      server.faults.add({ fault: { kind: 'forbidden', user: role }, path });
      const commands =
        path === '*'
          ? Object.keys(CLUSTER_COMMANDS)
          : path === '/_*'
            ? ['index', 'cleanup', 'install-ism']
            : ['redrive'];
      await Promise.all(
        commands.map(async (command) => {
          const result = await cli(command, ...CLUSTER_COMMANDS[command]!, '--endpoint', server.url);
          assert.equal(result.code, 2, `${command} (fault on ${path}): ${result.stderr}${result.stdout}`);
          const line = errorLine(result, command);
          assert.ok(line.includes(`${server.url} refused the request (HTTP 403, auth none)`), line);
          assert.ok(line.includes(`the IAM role ${role} is not mapped`), line);
          assert.ok(line.includes('Backend roles'), line);
        }),
      );
    }
  });

  describe('SigV4 against a server that checks signatures', () => {
    let signed: DevServer;
    const keys = { accessKeyId: 'AKIDCLITEST', secretAccessKey: 'the-right-secret' };
    before(async () => {
      signed = await startDevServer({ port: 0, sigv4: { ...keys, region: 'eu-west-1', service: 'es' } });
    });
    after(async () => signed?.close());

    /** The command with --auth sigv4 against the signing server; `secret` undefined: no credentials at all. */
    async function signedCli(
      secret: string | undefined,
      command: string,
      ...extra: string[]
    ): Promise<CliResult> {
      const credentials = secret
        ? { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: secret }
        : {};
      return cliWithEnv(
        { ...NO_AWS_CREDENTIALS, ...credentials },
        command,
        ...CLUSTER_COMMANDS[command]!,
        '--endpoint',
        signed.url,
        '--auth',
        'sigv4',
        ...extra,
      );
    }

    it('the right keys work (the check below fails for the reason it names)', async () => {
      const result = await signedCli(keys.secretAccessKey, 'cleanup', '--region', 'eu-west-1', '--dry-run');
      assert.equal(result.code, 0, result.stderr);
    });

    it('a wrong secret: every command says the signature did not verify and what to check, exit 2', async () => {
      await Promise.all(
        Object.keys(CLUSTER_COMMANDS).map(async (command) => {
          const result = await signedCli('not-the-secret', command, '--region', 'eu-west-1');
          assert.equal(result.code, 2, `${command}: ${result.stderr}`);
          const line = errorLine(result, command);
          assert.match(
            line,
            /refused the request \(HTTP 403, auth sigv4\): the signature did not verify: check the secret access key/,
          );
        }),
      );
    });

    it('the wrong region or service: says which, exit 2', async () => {
      await Promise.all(
        ['index', 'cleanup'].map(async (command) => {
          const region = await signedCli(keys.secretAccessKey, command, '--region', 'us-east-1');
          assert.equal(region.code, 2, `${command}: ${region.stderr}`);
          assert.match(errorLine(region, command), /signed for the wrong region/);
          const service = await signedCli(
            keys.secretAccessKey,
            command,
            '--region',
            'eu-west-1',
            '--service',
            'aoss',
          );
          // aoss has no GET /: the command's first real request is the one refused.
          assert.equal(service.code, 2, `${command}: ${service.stderr}`);
          assert.match(errorLine(service, command), /signed for the wrong service: set service to es/);
        }),
      );
    });

    it('no AWS credentials anywhere: says how to provide them, exit 2', async () => {
      await Promise.all(
        Object.keys(CLUSTER_COMMANDS).map(async (command) => {
          const result = await signedCli(undefined, command, '--region', 'eu-west-1');
          assert.equal(result.code, 2, `${command}: ${result.stderr}`);
          assert.match(
            errorLine(result, command),
            /no AWS credentials found to sign requests to .*: set AWS_PROFILE .* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
          );
        }),
      );
    });
  });

  it('the query commands and serve exit with the codes their --help lists: 0, 1, 2 and never 3', async () => {
    const queries = ['activity', 'actors', 'services', 'top'];
    for (const command of [...queries, 'serve']) {
      const help = (await cli(command, '--help')).stdout.split(/^Exit codes:$/m)[1] ?? '';
      const codes = [...help.matchAll(/^ {2}(\d) /gm)].map((match) => match[1]);
      assert.deepEqual(codes, ['0', '1', '2'], `${command} --help`);
      assert.doesNotMatch(help, /redrive|dead letter|undelivered/, `${command} --help`);
    }
    const endpoint = ['--endpoint', server.url];
    for (const command of queries) {
      const answered = await cli(command, ...READING_COMMANDS[command]!, ...endpoint);
      assert.equal(answered.code, 0, `${command}: ${answered.stderr}`);
    }
    // Every search fails: the cluster failed while answering, after the retries.
    server.faults.add({ path: '*/_search', fault: { kind: 'server-error', status: 500 } });
    for (const command of queries) {
      const failed = await cli(command, ...READING_COMMANDS[command]!, ...endpoint);
      assert.equal(failed.code, 1, `${command}: ${failed.stderr}`);
    }
    server.faults.clear();
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const port = String((taken.address() as AddressInfo).port);
      const busy = await cli('serve', '--port', port, ...endpoint);
      assert.equal(busy.code, 1, busy.stderr);
      assert.match(busy.stderr, /EADDRINUSE/);
    } finally {
      taken.close();
    }
  });

  it('a missing path: named, exit 2, before anything is sent', async () => {
    const missing = join(workDir, 'no-such-dir');
    const result = await cli('index', SAMPLES_DIR, missing, '--endpoint', server.url);
    assert.equal(result.code, 2);
    assert.equal(
      errorLine(result, 'index'),
      `cloudtrail-opensearch index: ${missing}: no such file or directory: check the path`,
    );
    assert.equal(server.requestCount('/_bulk'), 0, 'nothing indexed');
  });

  it('a .json.gz of random bytes: "not gzip", naming the file once, exit 1', async () => {
    const dir = join(workDir, 'random');
    const file = join(dir, '111122223333_CloudTrail_us-east-1_20240501T1000Z_random.json.gz');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    // Random bytes, but never the gzip magic nor a JSON start.
    await writeFile(
      file,
      Buffer.from([0xd9, 0x3c, ...Array.from({ length: 4000 }, (_, i) => (i * 131 + 7) % 256)]),
    );
    const result = await cli('index', dir, '--endpoint', server.url, '--quiet');
    assert.equal(result.code, 1, result.stderr + result.stdout);
    const failed = result.stdout.split('\n').find((line) => line.startsWith('failed: '));
    assert.equal(
      failed,
      `failed: ${file}: not gzip (it starts with bytes d9 3c; gzip starts with 1f 8b) and not plain JSON either: ` +
        'the file is corrupt or not a CloudTrail log file',
    );
  });

  it('a corrupt gzip file: the summary names the file once', async () => {
    const dir = join(workDir, 'truncated');
    await mkdir(dir, { recursive: true });
    const file = join(dir, '111122223333_CloudTrail_us-east-1_20240501T1000Z_truncated.json.gz');
    const gz = gzipSync(JSON.stringify({ Records: [{ eventID: 'a', eventTime: '2024-05-01T10:00:00Z' }] }));
    await writeFile(file, gz.subarray(0, gz.length - 12));
    const result = await cli('index', dir, '--endpoint', server.url, '--quiet');
    assert.equal(result.code, 1);
    const failed = result.stdout.split('\n').find((line) => line.startsWith('failed: '))!;
    assert.ok(failed.startsWith(`failed: ${file}: `), failed);
    assert.equal(failed.split(file).length, 2, `the path once: ${failed}`);
  });

  it('never prints a password given in the endpoint, valid URL or not', async () => {
    const endpoints = [
      'http://admin:S3cretPw@127.0.0.1:999999',
      `http://admin:S3cretPw@${server.url.slice('http://'.length)}`,
      'http://admin:S3cretPw@',
    ];
    // Every command validates the endpoint in the same place; index and cleanup stand for them all.
    const runs = endpoints.flatMap((endpoint) =>
      ['index', 'cleanup'].map(async (command) => ({
        command,
        endpoint,
        result: await cli(command, ...CLUSTER_COMMANDS[command]!, '--endpoint', endpoint),
      })),
    );
    for (const { command, endpoint, result } of await Promise.all(runs)) {
      assert.equal(result.code, 2, `${command} ${endpoint}: ${result.stderr}`);
      assert.ok(!(result.stdout + result.stderr).includes('S3cretPw'), result.stderr);
      assert.match(errorLine(result, command), /--endpoint http:\/\/admin:\*\*\*@/);
    }
    const range = await cli('index', SAMPLES_DIR, '--endpoint', endpoints[0]!);
    assert.match(range.stderr, /port 999999 is out of range/);
  });

  it('summary: counts the records whose time or id was inferred', async () => {
    const dir = join(workDir, 'inferred');
    await mkdir(dir, { recursive: true });
    const records = [
      { eventID: 'inferred-1', eventTime: '2024-05-01T10:00:00Z', eventName: 'A' },
      { eventID: 'inferred-2', eventName: 'NoTime' },
      { eventTime: '2024-05-01T11:00:00Z', eventName: 'NoId' },
      { eventName: 'Neither', awsRegion: 'us-east-1' },
    ];
    await writeFile(
      join(dir, '111122223333_CloudTrail_us-east-1_20240501T1000Z_inferredTest01.json.gz'),
      gzipSync(JSON.stringify({ Records: records })),
    );
    const result = await cli('index', dir, '--endpoint', server.url, '--quiet');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(summaryNumber(result.stdout, 'time inferred'), 2);
    assert.equal(summaryNumber(result.stdout, 'id inferred'), 2);
  });
});
