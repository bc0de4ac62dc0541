/**
 * The storage classes under the index: term dictionaries (a Map, then a byte arena) find exactly the
 * terms added, and `_source` blocks compressed on a worker thread read back byte for byte before,
 * while and after they are compressed, directly and through searches right after the write.
 */
import { strict as assert } from 'node:assert';
import { BlockCompressor } from '../../devserver/store/block-compressor.js';
import { SourceStore } from '../../devserver/store/source-store.js';
import { TermDictionary } from '../../devserver/store/term-dictionary.js';
import { call, ndjson, useServer } from './helpers.js';

/** A small deterministic generator (xorshift), so a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const alphabet = [
  'a',
  'b',
  'Z',
  '0',
  '-',
  '.',
  '=',
  ' ',
  'é',
  'ß',
  '€',
  '日本',
  '😀',
  '\u0000',
  '\u007f',
  '\u0080',
];

function randomTerm(next: () => number): string {
  const roll = next();
  const length = roll < 0.01 ? 300 + Math.floor(next() * 5000) : Math.floor(next() * 24);
  let term = '';
  for (let i = 0; i < length; i++) term += alphabet[Math.floor(next() * alphabet.length)]!;
  return term;
}

/** Adds `count` terms drawn by `draw`, checking every ordinal against a reference Map. */
function checkDictionary(count: number, draw: (next: () => number, i: number) => string): void {
  const next = random(7);
  const dictionary = new TermDictionary();
  const reference = new Map<string, number>();
  const terms: string[] = [];
  for (let i = 0; i < count; i++) {
    const term = draw(next, i);
    const expected = reference.get(term) ?? -1;
    assert.equal(dictionary.find(term), expected, `find ${JSON.stringify(term)}`);
    const ord = dictionary.add(term);
    if (expected >= 0) assert.equal(ord, expected);
    else {
      assert.equal(ord, terms.length);
      reference.set(term, ord);
      terms.push(term);
    }
    assert.equal(dictionary.add(term), ord, 'the same term again');
  }
  assert.equal(dictionary.size, terms.length);
  for (let ord = 0; ord < terms.length; ord++) {
    assert.equal(dictionary.term(ord), terms[ord]);
    assert.equal(dictionary.find(terms[ord]!), ord);
  }
  for (let i = 0; i < 2000; i++) {
    const term = randomTerm(next) + '#absent';
    assert.equal(dictionary.find(term), -1);
  }
}

describe('dev server store: term dictionary', () => {
  it('numbers distinct terms (non-ASCII, empty, long) in order, across the move to the byte arena', () => {
    checkDictionary(30_000, (next) => randomTerm(next));
  });

  it('finds terms while a field with repeated terms stays a Map past 4096 terms, and after it moves', () => {
    // Each new term is looked up about 20 times: the Map is kept past 4096 terms (10,000 here),
    // until new terms alone arrive and it moves to the arena.
    const repeated = (next: () => number, i: number): string =>
      i % 20 === 0 ? `tök-${i}` : `tök-${20 * Math.floor(next() * (i / 20))}`;
    checkDictionary(230_000, (next, i) => (i < 200_000 ? repeated(next, i) : `new-${i}`));
  });

  it('keeps ids (each added once) and terms longer than a chunk', () => {
    const big = 'x'.repeat(1_100_000);
    checkDictionary(12_000, (next, i) => (i === 6000 ? big : i === 6001 ? `${big}é` : `id-${i}-${next()}`));
  });
});

describe('dev server store: sources compressed on a worker thread', () => {
  const sources = (count: number): string[] => {
    const next = random(11);
    return Array.from({ length: count }, (_, i) =>
      JSON.stringify({ i, text: randomTerm(next).repeat(1 + Math.floor(next() * 40)), n: next() }),
    );
  };

  async function settled(store: SourceStore): Promise<void> {
    for (let tries = 0; store.waitingBlocks > 0 && tries < 500; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(store.waitingBlocks, 0, 'the worker compressed every block');
  }

  it('reads every source back byte for byte, before and after its block is compressed', async () => {
    const compressor = new BlockCompressor();
    try {
      const store = new SourceStore(true, compressor);
      const texts = sources(6000);
      const body = Buffer.from(texts.join('\n'));
      let start = 0;
      for (let i = 0; i < texts.length; i++) {
        const end = start + Buffer.byteLength(texts[i]!);
        assert.equal(store.append(body, start, end), i);
        start = end + 1;
        // Right after the write, and a source from a block that may be waiting.
        assert.equal(store.read(i), texts[i]);
        const earlier = Math.floor(i / 2);
        assert.equal(store.read(earlier), texts[earlier]);
      }
      assert.ok(store.rawBytes() > 8 * 256 * 1024, 'several blocks were sealed');
      await settled(store);
      for (let i = 0; i < texts.length; i++) assert.equal(store.read(i), texts[i]);
      assert.ok(store.bytes() < store.rawBytes() / 2, 'sealed blocks are compressed');
      // New sources go into the blocks the worker gave back.
      const more = sources(3000).map((text) => text + 'more');
      for (const text of more) store.append(Buffer.from(text));
      await settled(store);
      for (let i = 0; i < more.length; i++) assert.equal(store.read(texts.length + i), more[i]);
      for (let i = 0; i < texts.length; i += 97) assert.equal(store.read(i), texts[i]);
    } finally {
      compressor.close();
    }
  });

  it('compresses on the calling thread once the compressor is closed', () => {
    const compressor = new BlockCompressor();
    compressor.close();
    const store = new SourceStore(true, compressor);
    const texts = sources(3000);
    texts.forEach((text) => store.append(Buffer.from(text)));
    texts.forEach((text, i) => assert.equal(store.read(i), text));
  });

  const server = useServer();

  it('serves searches and gets right after a bulk write, byte for byte', async () => {
    const texts = sources(4000);
    const lines = texts.flatMap((text, i) => [
      JSON.stringify({ index: { _index: 'blocks', _id: `s${i}` } }),
      text,
    ]);
    const written = await call(server(), 'POST', '/_bulk?refresh=true', ndjson(...lines));
    assert.equal(written.status, 200);
    assert.equal(written.body.errors, false);
    const found = await call(server(), 'POST', '/blocks/_search', {
      size: 10000,
      query: { match_all: {} },
    });
    assert.equal(found.body.hits.hits.length, texts.length);
    for (const hit of found.body.hits.hits) {
      assert.deepEqual(hit._source, JSON.parse(texts[Number(hit._id.slice(1))]!));
    }
    for (const i of [0, 1, 1999, 3998, 3999]) {
      const got = await call(server(), 'GET', `/blocks/_doc/s${i}`);
      assert.ok(got.text.includes(`"_source":${texts[i]}`), `s${i} byte for byte`);
    }
  });
});
