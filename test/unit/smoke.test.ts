import { strict as assert } from 'node:assert';
import type { FileOutcome } from '../../src/types.js';

describe('toolchain', () => {
  it('compiles and runs TypeScript tests', () => {
    const outcome: FileOutcome = {
      key: 'k',
      read: 1,
      indexed: 1,
      duplicates: 0,
      healed: 0,
      deadLettered: 0,
      undelivered: 0,
    };
    assert.equal(outcome.read, outcome.indexed);
  });
});
