/**
 * The CLI as a user runs it, through a flaky network: a proxy in this process answers 429 or 503 or
 * resets the connection for a seeded fraction of requests (GET / and the template install included) and
 * forwards the rest to the dev server. After at most 3 runs every record is indexed exactly once.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  assertExactlyOnce,
  generateCorpus,
  resetCluster,
  seeded,
  startProxy,
  startRig,
  type Rig,
} from './harness.js';

const BIN = fileURLToPath(new URL('../../../bin/cloudtrail-opensearch.js', import.meta.url));
const run = promisify(execFile);

describe('reliability: CLI through a faulty proxy', function () {
  this.timeout(90_000);
  let rig: Rig;

  before(async () => {
    rig = await startRig();
  });
  after(async () => rig?.close());

  it('every record indexed exactly once after at most 3 runs', async () => {
    await resetCluster(rig);
    const corpus = await generateCorpus(rig, 'cli-proxy', 3000, 500, 'cli-proxy');
    const seed = Number(process.env.RELIABILITY_SEED ?? 11);
    const random = seeded(seed);
    let faulted = 0;
    const proxy = await startProxy(rig.server.url, () => {
      const draw = random();
      if (draw >= 0.25) return { kind: 'forward' };
      faulted++;
      if (draw < 0.1) return { kind: 'reply', status: 429, body: '{"Message":"Too Many Requests"}' };
      if (draw < 0.18)
        return {
          kind: 'reply',
          status: 503,
          body: '<html>503 Service Unavailable</html>',
          contentType: 'text/html',
        };
      return { kind: 'reset' };
    });
    const runs: { code: number; stdout: string }[] = [];
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          const { stdout } = await run(
            process.execPath,
            [BIN, 'index', corpus.dir, '--endpoint', proxy.url, '--max-bytes', '200000'],
            {
              maxBuffer: 16 * 1024 * 1024,
            },
          );
          runs.push({ code: 0, stdout });
          break;
        } catch (error) {
          const failure = error as { code: number; stdout: string; stderr: string };
          runs.push({ code: failure.code, stdout: failure.stdout + failure.stderr });
        }
      }
    } finally {
      await proxy.close();
    }
    if (process.env.RELIABILITY_REPORT)
      console.log(`CLI runs: ${runs.length}, proxy requests ${proxy.requests}, faulted ${faulted}`);
    assert.equal(
      runs.at(-1)?.code,
      0,
      `RELIABILITY_SEED=${seed}: ${runs.length} runs:\n${runs.map((r) => r.stdout).join('\n---\n')}`,
    );
    assert.ok(faulted > 3, `the proxy faulted ${faulted} of ${proxy.requests} requests`);
    await assertExactlyOnce(rig, corpus.ids, `CLI via proxy (seed ${seed}, ${runs.length} runs)`);
  });
});
