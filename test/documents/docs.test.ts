import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { EXAMPLE_QUERIES } from '../../src/template/exampleQueries.js';
import { indexTemplate } from '../../src/template/template.js';

const doc = readFileSync(new URL('../../../docs/field-model.md', import.meta.url), 'utf8');

/** Dotted names of every mapped field (multi-fields included). */
function mappedNames(properties: Record<string, Record<string, unknown>>, prefix = ''): Set<string> {
  const names = new Set<string>();
  for (const [name, field] of Object.entries(properties)) {
    names.add(prefix + name);
    for (const sub of Object.keys((field.fields as object | undefined) ?? {}))
      names.add(`${prefix}${name}.${sub}`);
    const children = field.properties as Record<string, Record<string, unknown>> | undefined;
    if (children) for (const child of mappedNames(children, `${prefix}${name}.`)) names.add(child);
  }
  return names;
}

describe('docs/field-model.md', () => {
  it('shows every example query, in DQL and DSL', () => {
    for (const query of EXAMPLE_QUERIES) {
      assert.ok(doc.includes(JSON.stringify(query.dsl)), `DSL of "${query.title}" missing`);
      assert.ok(doc.includes('`' + query.dql + '`'), `DQL of "${query.title}" missing`);
    }
  });

  it('queries only fields the template maps', () => {
    const { mappings } = indexTemplate({ indexPrefix: 'c-' }).body.template as {
      mappings: { properties: Record<string, Record<string, unknown>> };
    };
    const mapped = mappedNames(mappings.properties);
    const used = new Set<string>();
    JSON.stringify(
      EXAMPLE_QUERIES.map((q) => q.dsl),
      (key, value: unknown) => {
        if (['term', 'terms', 'prefix', 'wildcard', 'range', 'match_phrase'].includes(key)) {
          for (const field of Object.keys(value as object)) used.add(field);
        }
        return value;
      },
    );
    assert.ok(used.size >= 10);
    for (const field of used) assert.ok(mapped.has(field), `${field} is not mapped`);
  });
});
