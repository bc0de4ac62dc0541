/**
 * The SHA-256 the ledger keeps, computed on a hashing thread: files hashed at once, in chunks of any
 * size and interleaved in any order, each get exactly the hash of their own bytes in order; bytes posted
 * past the cap hold the file back until the thread catches up; `auto` hashes off the pipeline's thread
 * only where a second CPU runs it.
 * The interleaving is random: the seed is printed on failure, `HASHING_SEED=N` replays it.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomFillSync } from 'node:crypto';
import { FileHasher, MAX_QUEUED_BYTES, resolveHashingMode, type FileHash } from '../../src/ledger/hashing.js';
import { seededRandom } from '../../src/util/random.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('ledger hashing (hashing thread)', function () {
  this.timeout(60_000);

  for (const mode of ['worker', 'main-thread'] as const) {
    it(`${mode}: files interleaved in random chunks each get the SHA-256 of their own bytes`, async () => {
      const seed = Number(process.env.HASHING_SEED ?? Math.floor(Math.random() * 2 ** 32));
      try {
        const random = seededRandom(seed);
        const hasher = new FileHasher(mode);
        const files = Array.from({ length: 4 }, () =>
          randomFillSync(Buffer.alloc(1 + Math.floor(random() * 900_000))),
        );
        const hashes = files.map(() => hasher.open());
        const offsets = files.map(() => 0);
        // A chunk is reused once given, as the decoder's buffers are: the hash must not see the reuse.
        while (offsets.some((offset, i) => offset < files[i]!.length)) {
          const i = Math.floor(random() * files.length);
          const file = files[i]!;
          if (offsets[i]! >= file.length) continue;
          const end = Math.min(file.length, offsets[i]! + 1 + Math.floor(random() * 300_000));
          const chunk = Buffer.from(file.subarray(offsets[i], end));
          hashes[i]!.update(chunk);
          chunk.fill(0);
          offsets[i] = end;
          await hashes[i]!.backlog();
        }
        const digests = await Promise.all(hashes.map((hash) => hash.digest()));
        assert.deepEqual(digests, files.map(sha256));
      } catch (error) {
        console.error(`HASHING_SEED=${seed} replays this case`);
        throw error;
      }
    });
  }

  it('bytes posted past the cap hold the file back until the thread has hashed them', async () => {
    const hash: FileHash = new FileHasher('worker').open();
    const chunk = Buffer.alloc(256 * 1024, 7);
    const chunks = Math.ceil(MAX_QUEUED_BYTES / chunk.length) + 1;
    // Posted in one synchronous burst: nothing can have been hashed (acknowledged) yet.
    for (let n = 0; n < chunks; n++) hash.update(chunk);
    const waiting = hash.backlog();
    assert.ok(waiting instanceof Promise, 'past the cap the file must wait');
    await waiting;
    assert.equal(await hash.digest(), sha256(Buffer.concat(Array.from({ length: chunks }, () => chunk))));
  });

  it('a file that stops early is discarded; the thread goes on with the next files', async () => {
    const hasher = new FileHasher('worker');
    const stopped = hasher.open();
    stopped.update(Buffer.from('half a file'));
    stopped.discard();
    const next = hasher.open();
    next.update(Buffer.from('a whole file'));
    assert.equal(await next.digest(), sha256(Buffer.from('a whole file')));
  });

  it('auto: a thread of its own only where a second CPU runs it (Lambda: above 1,769 MB)', () => {
    assert.equal(resolveHashingMode('auto', {}, 2), 'worker');
    assert.equal(resolveHashingMode('auto', {}, 1), 'main-thread');
    assert.equal(resolveHashingMode('auto', { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' }, 2), 'main-thread');
    assert.equal(resolveHashingMode('auto', { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769' }, 2), 'main-thread');
    assert.equal(resolveHashingMode('auto', { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3008' }, 2), 'worker');
    assert.equal(resolveHashingMode('main-thread', {}, 8), 'main-thread');
  });
});
