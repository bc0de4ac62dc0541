import assert from 'node:assert/strict';
import { batchByPathBytes, deletePathBytes } from '../../src/cleanup/batches.js';
import { dailyNames } from './helpers/names.js';

describe('cleanup: DELETE batches by URL bytes', () => {
  const names = dailyNames('cloudtrail-', '2023-01-01', 400);

  it('keeps every path within the budget, loses and reorders nothing, and fills batches', () => {
    const batches = batchByPathBytes(names, 3000);
    assert.deepEqual(batches.flat(), names);
    for (const batch of batches) assert.ok(deletePathBytes(batch) <= 3000);
    // 21-byte names + 3-byte encoded comma ≈ 24 bytes each → ~124 per batch.
    assert.equal(batches.length, Math.ceil(names.length / 124));
    for (const batch of batches.slice(0, -1)) {
      assert.ok(deletePathBytes([...batch, 'cloudtrail-2099-01-01']) > 3000, 'a batch was closed early');
    }
  });

  it('measures the encoded path the client sends (commas become %2C)', () => {
    assert.equal(deletePathBytes(['a', 'b']), '/a%2Cb'.length);
  });

  it('gives an oversized single name its own batch instead of dropping it', () => {
    assert.deepEqual(batchByPathBytes(['x'.repeat(50), 'y'], 10), [['x'.repeat(50)], ['y']]);
  });
});
