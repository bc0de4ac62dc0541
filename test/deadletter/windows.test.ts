/** Dead letters grouped by record windows (src/deadletter/windows.ts): same chunks whatever the order. */
import { strict as assert } from 'node:assert';
import type { DeadLetterEntry } from '../../src/deadletter/entry.js';
import { DeadLetterWindows } from '../../src/deadletter/windows.js';
import { seededRandom } from '../../src/util/random.js';

const entry = (recordIndex: number): DeadLetterEntry => ({
  source: 's3://b/k',
  recordIndex,
  reason: 'mapper_parsing_exception',
  failedAt: '2026-01-01T00:00:00Z',
});

/** Reads `records` records, settling them in a shuffled order; every third one is dead-lettered. */
function run(records: number, windowRecords: number, seed: string): number[][] {
  const windows = new DeadLetterWindows(windowRecords);
  const random = seededRandom(seed);
  const unsettled: number[] = [];
  const chunks: number[][] = [];
  const collect = (taken: DeadLetterEntry[][]) =>
    chunks.push(...taken.map((chunk) => chunk.map((e) => e.recordIndex!)));
  for (let index = 0; index < records; index++) {
    windows.read(index);
    unsettled.push(index);
    // Settle a random earlier record now and then: outcomes arrive out of order, some much later.
    while (unsettled.length > 0 && random() < 0.6) {
      const [settled] = unsettled.splice(Math.floor(random() * unsettled.length), 1);
      windows.settle(settled!, settled! % 3 === 0 ? entry(settled!) : undefined);
    }
    if (windows.hasReady) collect(windows.takeReady());
  }
  while (unsettled.length > 0) {
    const [settled] = unsettled.splice(Math.floor(random() * unsettled.length), 1);
    windows.settle(settled!, settled! % 3 === 0 ? entry(settled!) : undefined);
    if (windows.hasReady) collect(windows.takeReady());
  }
  collect(windows.takeAll());
  assert.equal(windows.heldEntries, 0);
  return chunks;
}

describe('dead letter windows', () => {
  it('makes the same chunks, each sorted, whatever order the outcomes arrive in', () => {
    const expected = Array.from({ length: 4 }, (_, w) =>
      Array.from({ length: 100 }, (_, n) => w * 100 + n).filter((index) => index % 3 === 0),
    ).filter((chunk) => chunk.length > 0);
    for (const seed of ['a', 'b', 'c', 'd', 'e']) assert.deepEqual(run(400, 100, seed), expected, seed);
  });

  it('writes a window as soon as it is read and settled, not at the end of the file', () => {
    const windows = new DeadLetterWindows(10);
    for (let index = 0; index < 10; index++) windows.read(index);
    for (let index = 0; index < 10; index++) windows.settle(index, index === 4 ? entry(4) : undefined);
    assert.equal(windows.hasReady, false, 'record 10 not read yet: window 0 may still grow');
    windows.read(10);
    assert.equal(windows.hasReady, true);
    assert.deepEqual(
      windows.takeReady().map((chunk) => chunk.map((e) => e.recordIndex)),
      [[4]],
    );
    assert.equal(windows.heldEntries, 0);
  });

  it('holds a window while one of its records has no outcome, then gives it up at the end', () => {
    const windows = new DeadLetterWindows(10);
    for (let index = 0; index < 25; index++) windows.read(index);
    for (let index = 1; index < 25; index++) windows.settle(index, entry(index));
    // Window 0 waits for record 0 (say, in a request being retried); window 1 is complete.
    assert.deepEqual(
      windows.takeReady().map((chunk) => chunk.length),
      [10],
    );
    assert.equal(windows.heldEntries, 9 + 5);
    // Record 0 never gets an outcome (undelivered): the end of the file writes what is held.
    assert.deepEqual(
      windows.takeAll().map((chunk) => chunk.map((e) => e.recordIndex)),
      [
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
        [20, 21, 22, 23, 24],
      ],
    );
  });

  it('rejects a window size below one', () => {
    assert.throws(() => new DeadLetterWindows(0), /windowRecords must be at least 1, got 0/);
  });
});
