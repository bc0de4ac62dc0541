/**
 * `npm run bench` keeps its contract: on a small generated set it runs the
 * pipeline process and the baseline over the same records and prints one JSON line last with the
 * fields the issue measures by. Speed is not asserted here (BENCHMARKS.md is where figures live).
 */
import { strict as assert } from 'node:assert';
import { bench } from '../helpers/bench.js';

describe('npm run bench', function () {
  this.timeout(120_000);

  for (const threads of [1, 2]) {
    it(`indexes every generated record and prints the contract's fields (${threads} thread(s))`, async () => {
      const result = await bench(
        '--records',
        '3000',
        '--per-file',
        '500',
        '--rounds',
        '1',
        '--threads',
        `${threads}`,
      );
      assert.equal(result.records, 3000);
      assert.equal(result.files, 6);
      assert.equal(result.threads, threads);
      for (const field of [
        'seconds',
        'recordsPerSec',
        'mbPerSec',
        'peakRssMb',
        'baselineRecordsPerSec',
        'ratioToBaseline',
        'cpuRatioToBaseline',
      ]) {
        assert.equal(typeof result[field], 'number', field);
        assert.ok((result[field] as number) > 0, `${field} = ${String(result[field])}`);
      }
    });
  }
});
