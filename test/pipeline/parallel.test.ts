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
  return {
    async index(target) {
      const fails = ++calls === failOnCall;
      state.inFlight++;
      state.peak = Math.max(state.peak, state.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 4)));
      state.inFlight--;
      if (fails) throw new Error(`${name} broke on ${targetName(target)}`);
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

  it('a broken runner stops the run with its error; no file is indexed twice', async () => {
    const state = { inFlight: 0, peak: 0, seen: [] as string[] };
    const error = await indexInParallel(targets(40), {
      runners: [fakeRunner('a', state), fakeRunner('b', state, 3)],
      filesPerRunner: 2,
      onOutcome: () => {},
    }).catch((reason: unknown) => reason as Error);
    const broken = /^b broke on (file-\d+)$/.exec(error instanceof Error ? error.message : '');
    assert.ok(broken, `expected runner b's error, got ${String(error)}`);
    assert.equal(new Set(state.seen).size, state.seen.length);
    assert.ok(!state.seen.includes(broken[1]!));
    assert.ok(state.seen.length < 40, 'no new files were taken after the failure');
  });
});
