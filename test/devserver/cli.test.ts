/**
 * The dev server as a user starts it: `cloudtrail-opensearch dev-server` in its own process, spoken to
 * over raw HTTP (what curl would send). Same behaviour as the in-process server the other tests use.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import aws4 from 'aws4';

const BIN = fileURLToPath(new URL('../../../bin/cloudtrail-opensearch.js', import.meta.url));

async function startCli(...args: string[]): Promise<{ url: string; child: ChildProcessWithoutNullStreams }> {
  const child = spawn(process.execPath, [BIN, 'dev-server', '--port', '0', ...args]);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line.toString())?.[0];
  assert.ok(url, `dev-server printed its URL: ${line.toString()}`);
  return { url, child };
}

describe('dev-server command (separate process, raw HTTP)', function () {
  this.timeout(30_000);

  it('prints its URL, answers like OpenSearch, and exits cleanly on SIGTERM', async () => {
    const { url, child } = await startCli('--flavor', 'opensearch-1');
    try {
      const root = (await (await fetch(url)).json()) as { version: { number: string; distribution: string } };
      assert.equal(root.version.distribution, 'opensearch');
      assert.match(root.version.number, /^1\./);
      // §2.1: a body whose last line has no newline is refused as a whole.
      const response = await fetch(`${url}/_bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: '{"index":{"_index":"a"}}\n{"x":1}',
      });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: { type: string; reason: string } };
      assert.equal(body.error.type, 'illegal_argument_exception');
      assert.equal(body.error.reason, 'The bulk request must be terminated by a newline [\\n]');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('with --sigv4 refuses unsigned and wrongly signed requests and accepts correctly signed ones', async () => {
    const { url, child } = await startCli('--sigv4', 'AKIDEXAMPLE:secret', '--region', 'eu-west-1');
    try {
      const unsigned = await fetch(`${url}/_cluster/health`);
      assert.equal(unsigned.status, 403);
      assert.deepEqual(await unsigned.json(), { message: 'Missing Authentication Token' });

      const { host, port } = new URL(url);
      const signedWith = (secretAccessKey: string) =>
        aws4.sign(
          { host, path: '/_cluster/health', service: 'es', region: 'eu-west-1', method: 'GET', headers: {} },
          { accessKeyId: 'AKIDEXAMPLE', secretAccessKey },
        );
      const good = signedWith('secret');
      const ok = await fetch(`http://${host}${good.path}`, {
        headers: good.headers as Record<string, string>,
      });
      assert.equal(ok.status, 200, `port ${port}`);
      const bad = signedWith('not-the-secret');
      const refused = await fetch(`http://${host}${bad.path}`, {
        headers: bad.headers as Record<string, string>,
      });
      assert.equal(refused.status, 403);
      assert.match(
        ((await refused.json()) as { message: string }).message,
        /signature we calculated does not match/,
      );
    } finally {
      child.kill('SIGTERM');
    }
  });
});
