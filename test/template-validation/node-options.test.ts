/** The indexer's V8 options in the template are the ones the memory benchmark measures with. */
import { strict as assert } from 'node:assert';
import { INDEXER_NODE_OPTIONS } from '../../src/infra/env-schema.js';
import { loadTemplate } from './helpers.js';

describe('indexer NODE_OPTIONS', () => {
  it('the template sets the same V8 options as scripts/bench-memory.ts measures (INDEXER_NODE_OPTIONS)', () => {
    const variables =
      loadTemplate()['Resources']['IndexerFunction']['Properties']['Environment']['Variables'];
    assert.equal(variables['NODE_OPTIONS'], INDEXER_NODE_OPTIONS);
  });
});
