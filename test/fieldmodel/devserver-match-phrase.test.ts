/**
 * The dev server's `match_phrase` (used by the `ct.text` example query): analysed tokens must be
 * adjacent and in order, within one value of the field, as in OpenSearch.
 */
import { strict as assert } from 'node:assert';
import { call, seed, useServer } from '../devserver/helpers.js';

describe('dev server: match_phrase', () => {
  const server = useServer();
  const ids = async (query: unknown) => {
    const answer = await call(server(), 'POST', '/phrases/_search', { query });
    assert.equal(answer.status, 200, answer.text);
    return (answer.body.hits.hits as { _id: string }[]).map((hit) => hit._id).sort();
  };

  before(async () => {
    await call(server(), 'PUT', '/phrases', {
      mappings: { properties: { t: { type: 'text' }, k: { type: 'keyword' } } },
    });
    await seed(server(), 'phrases', [
      { t: 'group sg-d963a5a4 attached', k: 'sg-d963a5a4' }, // d0
      { t: 'sg and later d963a5a4' }, // d1: both tokens, not adjacent
      { t: 'D963A5A4 sg' }, // d2: wrong order
      { t: ['ends with sg', 'd963a5a4 starts'] }, // d3: adjacent only across two values
      { t: ['other', 'SG-D963A5A4'] }, // d4: second value, other case
    ]);
  });

  it('finds adjacent tokens in order, case-insensitively, never across values', async () => {
    assert.deepEqual(await ids({ match_phrase: { t: 'sg-d963a5a4' } }), ['d0', 'd4']);
    assert.deepEqual(await ids({ match_phrase: { t: { query: 'sg d963a5a4' } } }), ['d0', 'd4']);
    assert.deepEqual(await ids({ match_phrase: { t: 'd963a5a4' } }), ['d0', 'd1', 'd2', 'd3', 'd4']);
    assert.deepEqual(await ids({ match_phrase: { t: 'group sg-d963a5a4 attached' } }), ['d0']);
    assert.deepEqual(await ids({ match_phrase: { t: 'attached group' } }), []);
  });

  it('on a keyword field it is an exact term; an unmapped field matches nothing', async () => {
    assert.deepEqual(await ids({ match_phrase: { k: 'sg-d963a5a4' } }), ['d0']);
    assert.deepEqual(await ids({ match_phrase: { k: 'sg' } }), []);
    assert.deepEqual(await ids({ match_phrase: { nothing: 'sg' } }), []);
  });

  it('refuses a slop it does not implement instead of answering wrongly', async () => {
    const answer = await call(server(), 'POST', '/phrases/_search', {
      query: { match_phrase: { t: { query: 'sg d963a5a4', slop: 2 } } },
    });
    assert.equal(answer.status, 400);
    assert.match(answer.text, /slop/);
  });
});
