/** The Lambda's bound on files in flight (src/pipeline/fileSlots.ts). */
import { strict as assert } from 'node:assert';
import { filesInFlight, Slots } from '../../src/pipeline/fileSlots.js';

describe('files in flight per Lambda invocation', () => {
  it('follows the function memory: 256 MB per file, at least 1, at most 10', () => {
    assert.equal(filesInFlight(128), 1);
    assert.equal(filesInFlight(512), 2);
    assert.equal(filesInFlight(1769), 6);
    assert.equal(filesInFlight(10240), 10);
    assert.equal(filesInFlight(undefined), 1);
    assert.equal(filesInFlight(Number.NaN), 1, 'outside Lambda the variable is unset');
  });

  it('never runs more than its size at once, runs everything, and frees a slot when work fails', async () => {
    const slots = new Slots(2);
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    const work = (i: number) =>
      slots.run(async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1 + (i % 3)));
        inFlight--;
        if (i % 5 === 0) throw new Error(`file ${i} failed`);
        done.push(i);
        return i;
      });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => work(i)));
    assert.equal(peak, 2);
    assert.equal(results.filter((result) => result.status === 'rejected').length, 4);
    assert.equal(done.length, 16);
    assert.equal(await slots.run(() => Promise.resolve('free')), 'free', 'every slot came back');
  });
});
