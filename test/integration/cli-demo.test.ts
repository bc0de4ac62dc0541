/**
 * `npm start` (the demo) as a newcomer meets it, as a child process: without a terminal it indexes the
 * samples, prints three queries and how to keep the server running, and ends (CI never hangs on it);
 * with --keep-running it serves until Ctrl-C, and the queries it printed answer from the samples.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { BIN, cli, summaryNumber } from '../helpers/cli.js';
import { sampleRecordCount } from '../helpers/samples.js';

/** `curl -s 'URL' -H '...' -d 'BODY'` lines as printed by the demo. */
function curlCommands(stdout: string): { url: string; body: unknown }[] {
  return [
    ...stdout.matchAll(/^ {2}curl -s '([^']+)' -H 'content-type: application\/json' -d '([^']+)'$/gm),
  ].map((match) => ({ url: match[1]!, body: JSON.parse(match[2]!) as unknown }));
}

describe('CLI demo (npm start), child process', function () {
  this.timeout(120_000);

  it('without a terminal: indexes the samples, prints three queries and how to keep it running, and ends', async () => {
    const result = await cli('demo');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(summaryNumber(result.stdout, 'indexed'), sampleRecordCount());
    assert.equal(curlCommands(result.stdout).length, 3, result.stdout);
    assert.match(
      result.stdout,
      /To keep it running and try the queries above:\n {2}npm start -- --keep-running/,
    );
  });

  it('--keep-running: serves until Ctrl-C, and every printed query finds sample events', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--keep-running'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('press Ctrl-C to stop it')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`demo exited (${code}) before serving:\n${stdout}`)));
    });
    try {
      await ready;
      const queries = curlCommands(stdout);
      assert.equal(queries.length, 3, stdout);
      for (const query of queries) {
        const response = await fetch(query.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(query.body),
        });
        assert.equal(response.status, 200, query.url);
        const answer = (await response.json()) as {
          hits: { total: { value: number } };
          aggregations?: { codes: { buckets: unknown[] } };
        };
        assert.ok(answer.hits.total.value > 0, `${JSON.stringify(query.body)} finds sample events`);
        if (answer.aggregations) assert.ok(answer.aggregations.codes.buckets.length > 0);
      }
    } finally {
      child.kill('SIGINT');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, 'Ctrl-C ends it cleanly');
  });
});
