import { strict as assert } from 'node:assert';
import { backoffDelay } from '../../src/http/retry.js';

describe('backoffDelay', () => {
  const options = { baseMs: 200, maxMs: 20_000 };

  it('is 0 at the bottom of the jitter range and the exponential cap at the top', () => {
    const top = () => 1;
    assert.equal(
      backoffDelay(1, options, () => 0),
      0,
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffDelay(attempt, options, top)),
      [200, 400, 800, 1600, 3200, 6400, 12_800, 20_000],
    );
  });

  it('spreads delays over the whole range (full jitter)', () => {
    assert.equal(
      backoffDelay(3, options, () => 0.5),
      400,
    );
    assert.equal(
      backoffDelay(3, options, () => 0.25),
      200,
    );
  });

  it('never exceeds maxMs and stays finite for huge attempt numbers', () => {
    for (const attempt of [9, 30, 1100, Number.MAX_SAFE_INTEGER]) {
      const delay = backoffDelay(attempt, options, () => 0.999);
      assert.ok(Number.isFinite(delay) && delay <= 20_000 && delay > 19_000, `attempt ${attempt}: ${delay}`);
    }
  });

  it('stays within [0, cap] whatever the random source returns', () => {
    for (const value of [-1, 0, 0.3, 1, 5]) {
      const delay = backoffDelay(2, options, () => value);
      assert.ok(delay >= 0 && delay <= 400, `random ${value}: ${delay}`);
    }
  });
});
