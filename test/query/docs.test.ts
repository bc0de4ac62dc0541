/**
 * docs/queries.md shows each investigator question exactly as the tests run it (command line, API call,
 * DQL), and the README's "Search your events" section leads with the question table and points there.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { QUESTIONS } from './questions.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('query docs', () => {
  const queries = read('docs/queries.md');

  for (const { question, cli, api, dql } of QUESTIONS) {
    it(`docs/queries.md: ${question}`, () => {
      const section = queries.split(`### ${question}\n`)[1]?.split(/^### /m)[0];
      assert.ok(section, `a section titled "${question}"`);
      assert.ok(section.includes(`cloudtrail-opensearch ${cli.join(' ')}\n`), 'the command line');
      assert.ok(section.includes(`'http://127.0.0.1:8080${api}'`), 'the API call');
      assert.ok(section.includes('DQL: `' + dql + '`'), 'the DQL');
    });
  }

  it('README: "Search your events" starts with the question table (CLI, API, DQL) and links docs/queries.md', () => {
    const section =
      read('README.md')
        .split(/^## Search your events$/m)[1]
        ?.split(/^## /m)[0] ?? '';
    const table = section.split('\n').find((line) => line.startsWith('|'));
    assert.equal(table, '| question | CLI (`cloudtrail-opensearch …`) | API (`GET …`) | DQL |');
    assert.ok(section.includes('(docs/queries.md)'));
  });
});
