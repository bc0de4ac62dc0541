/**
 * `npm run bench -- --ledger` runs the pipeline with the ledger as the indexer keeps it: every file's
 * entry reaches the benchmark's sink (which answers the ledger's requests as a cluster does), on one
 * thread and on two. Speed is not asserted here (BENCHMARKS.md is where figures live).
 */
import { strict as assert } from 'node:assert';
import { bench } from '../helpers/bench.js';

describe('npm run bench -- --ledger', function () {
  this.timeout(120_000);
  const small = ['--records', '3000', '--per-file', '500', '--rounds', '1'];

  for (const [threads, hashing] of [
    ['1', 'worker'],
    ['2', 'main-thread'],
  ] as const) {
    it(`every file has its ledger entry in the sink (${threads} thread(s), hashing on ${hashing})`, async () => {
      const result = await bench(...small, '--threads', threads, '--ledger', '--ledger-hashing', hashing);
      assert.equal(result.records, 3000);
      assert.equal(result.ledger, hashing);
      assert.equal(result.ledgerEntries, result.files);
      assert.equal(typeof result.ratioToBaseline, 'number');
    });
  }

  it('without --ledger nothing is written but bulk requests', async () => {
    const result = await bench(...small);
    assert.equal(result.ledger, 'off');
    assert.equal(result.ledgerEntries, undefined);
  });

  it('refuses an unknown --ledger-hashing, naming it', async () => {
    await assert.rejects(
      bench(...small, '--ledger', '--ledger-hashing', 'gpu'),
      /--ledger-hashing gpu: expected auto, worker or main-thread/,
    );
  });
});
