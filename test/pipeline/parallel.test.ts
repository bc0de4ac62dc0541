/**
 * The file scheduler (src/pipeline/parallel.ts): every file exactly once, never more in flight than
 * runners × filesPerRunner, and a failure of the listing or of a runner surfaces after the files
 * already in flight have finished.
 */
import { strict as assert } from 'node:assert';
import { emptyOutcome } from '../../src/pipeline/indexFile.js';
import { indexInParallel } from '../../src/pipeline/parallel.js';
import { targetName, type FileRunner, type FileTarget } from '../../src/pipeline/runner.js';
import type { FileOutcome } from '../../src/types.js';

const targets = (n: number): FileTarget[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'local', path: `file-${i}` }));

/** A runner whose files take a random few milliseconds; it records what it saw and the peak in flight. */
function fakeRunner(
  name: string,
  state: { inFlight: number; peak: number; seen: string[] },
  failOnCall?: number,
): FileRunner {
  let calls = 0;
  let broken: Error | undefined;
  return {
    async index(target) {
      if (broken) throw broken; // like a dead worker: every later file is refused at once
      const fails = ++calls === failOnCall;
      state.inFlight++;
      state.peak = Math.max(state.peak, state.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 4)));
      state.inFlight--;
      if (fails) throw (broken = new Error(`${name} broke on ${targetName(target)}`));
      state.seen.push(targetName(target));
      return { ...emptyOutcome(targetName(target)), read: 1, indexed: 1 };
    },
    close: () => Promise.resolve(),
  };
}

describe('indexInParallel', () => {
  it('indexes every file exactly once with at most runners × filesPerRunner in flight', async () => {
    const state = { inFlight: 0, peak: 0, seen: [] as string[] };
    const outcomes: FileOutcome[] = [];
    await indexInParallel(targets(200), {
      runners: [fakeRunner('a', state), fakeRunner('b', state)],
      filesPerRunner: 3,
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    assert.equal(outcomes.length, 200);
    assert.deepEqual([...state.seen].sort(), targets(200).map(targetName).sort());
    assert.equal(state.peak, 6, 'two runners with three files each');
  });

  it('reads the targets lazily from an async listing, one file at a time per lane', async () => {
    const state = { inFlight: 0, peak: 0, seen: [] as string[] };
    let listed = 0;
    async function* listing() {
      for (const target of targets(50)) {
        listed++;
        yield target;
      }
    }
    let maxAhead = 0;
    await indexInParallel(listing(), {
      runners: [fakeRunner('a', state)],
      filesPerRunner: 2,
      onOutcome: () => {
        maxAhead = Math.max(maxAhead, listed - state.seen.length);
      },
    });
    assert.equal(state.seen.length, 50);
    assert.ok(maxAhead <= 2, `the listing ran ${maxAhead} files ahead of the work`);
  });

  it('a failing listing stops new files; files in flight finish, then the listing error is thrown', async () => {
    const state = { inFlight: 0, peak: 0, seen: [] as string[] };
    async function* listing() {
      yield* targets(5);
      throw new Error('ListObjectsV2 failed: AccessDenied');
    }
    await assert.rejects(
      indexInParallel(listing(), {
        runners: [fakeRunner('a', state)],
        filesPerRunner: 2,
        onOutcome: () => {},
      }),
      /AccessDenied/,
    );
    assert.equal(state.seen.length, 5, 'every file listed before the failure was indexed');
    assert.equal(state.inFlight, 0, 'nothing was left running');
  });

  it('a broken runner is retired: its file is reported failed, the other runner indexes every other file once', async () => {
    const state = { inFlight: 0, peak: 0, seen: [] as string[] };
    const outcomes = new Map<string, FileOutcome>();
    await indexInParallel(targets(40), {
      runners: [fakeRunner('a', state), fakeRunner('b', state, 3)],
      filesPerRunner: 2,
      onOutcome: (outcome, target) => {
        assert.ok(!outcomes.has(targetName(target)), `${targetName(target)} reported twice`);
        outcomes.set(targetName(target), outcome);
      },
    });
    assert.equal(outcomes.size, 40, 'every file has an outcome');
    const failed = [...outcomes].filter(([, outcome]) => outcome.error);
    assert.ok(failed.length >= 1 && failed.length <= 2, `failed: ${failed.map(([name]) => name).join(', ')}`);
    for (const [name, outcome] of failed) {
      assert.match(outcome.error!, /^b broke on file-\d+$/);
      assert.equal(outcome.read, 0);
      assert.ok(!state.seen.includes(name));
    }
    assert.equal(state.seen.length, 40 - failed.length);
    assert.equal(new Set(state.seen).size, state.seen.length, 'no file indexed twice');
  });

  it('stops with an error naming the first failure when every runner has failed', async () => {
    const state = { inFlight: 0, peak: 0, seen: [] as string[] };
    const outcomes: FileOutcome[] = [];
    await assert.rejects(
      indexInParallel(targets(40), {
        runners: [fakeRunner('a', state, 2), fakeRunner('b', state, 4)],
        filesPerRunner: 1,
        onOutcome: (outcome) => outcomes.push(outcome),
      }),
      /every indexing thread failed, files are left unindexed \(first failure: [ab] broke on file-\d+\)/,
    );
    assert.ok(outcomes.length < 40);
    assert.equal(outcomes.filter((outcome) => outcome.error).length, 2);
  });
});
