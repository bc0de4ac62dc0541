/**
 * Memory stays bounded whatever the file size: one CloudTrail file of 300,000 records (≈450 MB of
 * JSON) is indexed by a separate process against a bulk sink, and that process's RSS, sampled every
 * 10 ms, must grow by less than 150 MB over its size before the file was opened (the kernel's
 * high-water mark is printed too; see memory-probe.ts for why it is not the bound). The process runs with the indexer's V8
 * options (INDEXER_NODE_OPTIONS, its NODE_OPTIONS in cloudformation.yml), as a deployment does.
 */
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateCloudTrail } from '../../src/generator/generate.js';
import { INDEXER_NODE_OPTIONS } from '../../src/infra/env-schema.js';
import { SAMPLES_DIR } from '../helpers/samples.js';

const PROBE = fileURLToPath(new URL('../helpers/memory-probe.js', import.meta.url));
const SINK = fileURLToPath(new URL('../../scripts/bench-sink.js', import.meta.url));
const RECORDS = 300_000;

describe('memory (300,000-record file)', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ct-memory-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('indexes one 300,000-record file with peak RSS growing by less than 150 MB', async () => {
    const generated = await generateCloudTrail({
      sourceDir: SAMPLES_DIR,
      outDir: dir,
      records: RECORDS,
      perFile: RECORDS,
      seed: 'memory',
      gzipLevel: 1,
    });
    assert.equal(generated.files.length, 1);
    const sink = spawn(process.execPath, [SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(sink.stdout, 'data')) as [Buffer];
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [INDEXER_NODE_OPTIONS, PROBE, generated.files[0]!, line.toString().trim()],
        {
          maxBuffer: 1 << 20,
        },
      );
      const result = JSON.parse(stdout) as {
        rssBeforeMb: number;
        sampledPeakRssMb: number;
        peakRssMb: number;
        outcome: { read: number; indexed: number };
      };
      assert.equal(result.outcome.read, RECORDS);
      assert.equal(result.outcome.indexed, RECORDS);
      const growth = result.sampledPeakRssMb - result.rssBeforeMb;
      console.log(
        `      ${(generated.uncompressedBytes / 1048576).toFixed(0)} MB of JSON; RSS ${result.rssBeforeMb.toFixed(0)} → sampled peak ${result.sampledPeakRssMb.toFixed(0)} MB (+${growth.toFixed(0)} MB), high-water mark ${result.peakRssMb.toFixed(0)} MB`,
      );
      assert.ok(growth < 150, `peak RSS grew by ${growth.toFixed(0)} MB`);
    } finally {
      sink.kill();
    }
  });
});
