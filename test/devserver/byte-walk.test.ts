/**
 * The byte walk (devserver/mapping/byte-walk.ts) against the exact walk (parseDocument): for random
 * documents (valid and broken JSON, every number shape, escapes, unicode, duplicate keys, mapped and
 * unmapped fields, malformed values) under several mappings, the executor's path (byte walk, else
 * parseDocument) gives the same pending values, `_ignored` entries, error or mapping update as
 * parseDocument alone, and whenever the byte walk accepts a document its values are parseDocument's.
 * Seeded: a failure prints its seed; BYTE_WALK_SEED=<seed> replays it (BYTE_WALK_CASES sets the count).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { OpenSearchError } from '../../devserver/errors.js';
import { ByteWalker } from '../../devserver/mapping/byte-walk.js';
import { parseDocument, type DocumentLimits } from '../../devserver/mapping/document-parser.js';
import { LeafPlans } from '../../devserver/mapping/leaf-plans.js';
import type { MappingNode, RootMapping } from '../../devserver/mapping/model.js';
import { PendingValues } from '../../devserver/mapping/pending-values.js';
import type { FieldColumn } from '../../devserver/store/columns.js';
import { indexMappings } from '../../src/template/mappings.js';
import { cloudTrailSources } from './fixtures/cloudtrail-sources.js';
import { seededRandom } from '../../src/util/random.js';

/** Columns stand in as their path and kind, so two walks' outputs compare as text. */
function namedPlans(): LeafPlans {
  const columns = new Map<string, FieldColumn>();
  return new LeafPlans((path, kind) => {
    const name = `${path}:${kind}`;
    let column = columns.get(name);
    if (!column) {
      column = { name } as unknown as FieldColumn;
      columns.set(name, column);
    }
    return column;
  });
}

interface Outcome {
  values?: unknown;
  error?: unknown;
  updatedMapping?: unknown;
}

/**
 * An OpenSearch error as the client sees it; any other exception by its text (parseDocument has
 * crashes of its own, e.g. a dynamic `__proto__` object: both paths must crash alike).
 */
function errorOf(error: unknown): unknown {
  if (!(error instanceof OpenSearchError)) return { crash: String(error) };
  const { status, type, reason, causedBy } = error;
  return { status, type, reason, causedBy };
}

function pendingOf(out: PendingValues): unknown {
  return {
    termColumns: out.termColumns.map((column) => (column as unknown as { name: string }).name),
    terms: [...out.terms],
    starts: [...out.starts],
    numberColumns: out.numberColumns.map((column) => (column as unknown as { name: string }).name),
    numbers: [...out.numbers],
    ignored: [...out.ignored],
  };
}

function exactOutcome(text: string, mapping: RootMapping, limits: DocumentLimits): Outcome {
  const out = new PendingValues();
  try {
    const parsed = parseDocument(text, 'id-1', { mapping, limits, plans: namedPlans() }, out);
    return { values: pendingOf(out), updatedMapping: parsed.updatedMapping };
  } catch (error) {
    return { error: errorOf(error) };
  }
}

/** What the executor does: the byte walk, else parseDocument. */
function fastOutcome(
  walker: ByteWalker,
  text: string,
  mapping: RootMapping,
  limits: DocumentLimits,
): { outcome: Outcome; walked: boolean } {
  const plans = namedPlans();
  const body = Buffer.from(`{"index":{}}\n${text}\n{"index":{}}`, 'utf8');
  const start = body.indexOf(10) + 1;
  const end = body.lastIndexOf(10);
  const out = new PendingValues();
  if (walker.walk(body, start, end, { mapping, limits, plans }, out)) {
    return { outcome: { values: pendingOf(out), updatedMapping: undefined }, walked: true };
  }
  assert.equal(out.size, 0, 'a walk that gives up leaves no values');
  assert.equal(out.ignored.length, 0);
  try {
    const parsed = parseDocument(text, 'id-1', { mapping, limits, plans }, out);
    return { outcome: { values: pendingOf(out), updatedMapping: parsed.updatedMapping }, walked: false };
  } catch (error) {
    return { outcome: { error: errorOf(error) }, walked: false };
  }
}

const productMapping = indexMappings() as unknown as RootMapping;

const typedProperties = {
  kw: { type: 'keyword', ignore_above: 8 },
  kw2: { type: 'keyword' },
  txt: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 10 } } },
  n: { type: 'long' },
  i: { type: 'integer', coerce: false },
  f: { type: 'float', ignore_malformed: true },
  d: { type: 'date' },
  d2: { type: 'date', format: 'yyyy/MM/dd||epoch_millis', ignore_malformed: true },
  b: { type: 'boolean' },
  ip: { type: 'ip', ignore_malformed: true },
  ip2: { type: 'ip' },
  nv: { type: 'keyword', null_value: 'NULL' },
  off: { type: 'keyword', index: false, doc_values: false },
  flat: { type: 'flat_object' },
  dis: { type: 'object', enabled: false },
  obj: {
    properties: {
      kw: { type: 'keyword' },
      n: { type: 'long' },
      deep: { properties: { kw: { type: 'keyword' }, b: { type: 'boolean' } } },
    },
  },
  strictObj: { dynamic: 'strict', properties: { kw: { type: 'keyword' } } },
  openObj: { dynamic: true, properties: { kw: { type: 'keyword' } } },
  ['__proto__']: { type: 'keyword' },
  constructor: { type: 'long' },
  é: { type: 'keyword' },
  '1': { type: 'keyword' },
  multi: { type: 'keyword', fields: { flat: { type: 'flat_object' }, obj: { properties: {} } } },
};

const mappings: [string, RootMapping][] = [
  ['product', productMapping],
  ['typed, dynamic false', { dynamic: false, properties: structuredClone(typedProperties) }],
  ['typed, dynamic true', { properties: structuredClone(typedProperties) }],
  ['typed, strict', { dynamic: 'strict', properties: structuredClone(typedProperties) }],
  [
    'templates',
    {
      dynamic: 'true',
      dynamic_templates: [
        { strings: { match_mapping_type: 'string', mapping: { type: 'keyword' } } },
        { longs: { match: 'l*', mapping: { type: 'long' } } },
      ],
      properties: structuredClone(typedProperties),
    },
  ],
  [
    'false_allow_templates',
    {
      dynamic: 'false_allow_templates',
      dynamic_templates: [{ kws: { match: 'k*', mapping: { type: 'keyword' } } }],
      properties: structuredClone(typedProperties),
    },
  ],
];

/** Random documents as text: mostly valid JSON near the mappings' fields, sometimes broken. */
class DocumentGenerator {
  /** Every property name of the mapping, so most keys reach mapped fields. */
  private readonly mappedNames: string[] = [];

  constructor(
    private readonly random: () => number,
    mapping: RootMapping,
  ) {
    const collect = (node: MappingNode): void => {
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        this.mappedNames.push(name);
        collect(child);
      }
    };
    collect(mapping);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  readonly names = [
    ...Object.keys(typedProperties),
    'eventTime',
    'eventName',
    'userAgent',
    'errorMessage',
    'ct',
    'pairs',
    'recordIndex',
    'mfa',
    'sourceIp',
    'userIdentity',
    'sessionContext',
    'attributes',
    'creationDate',
    'resources',
    'ARN',
    'requestParameters',
    'responseElements',
    'unmapped',
    'x-amz-id-2',
    'deep',
    'l1',
    'k9',
    '',
    'a.b',
    'obj.kw',
    '1',
    '007',
    'hasOwnProperty',
    '\\u006bw',
    'k\\"w',
    'ü',
    '日本',
  ];

  readonly strings = [
    '',
    'a',
    'short',
    'a longer keyword value',
    'true',
    'false',
    '2024-01-01T09:36:00Z',
    '2024-01-01T09:36:00.000Z',
    '2024-13-01T00:00:00Z',
    '2024/01/02',
    '1704101760000',
    '12',
    '12.5',
    '-3',
    '1e3',
    ' 7',
    '10.0.0.1',
    '::1',
    '2001:db8::1',
    '10.0.0.256',
    'AWS Internal',
    'The quick brown fox; jumps over: the lazy dog',
    'caf\u00e9',
    '\u65e5\u672c\u8a9e',
    '\ud83d\ude00 emoji',
    'tab\\there',
    'quote\\"d',
    'slash\\/ed',
    '\\u0041\\u00e9',
    '\\ud83d\\ude00',
    '\\ud800 lone',
    'back\\\\slash',
    'bad \\x41 escape',
    'bad \\u12',
    'bad \\u00zz',
    'bad \\a',
    'raw\ttab',
    'x'.repeat(300),
    'y'.repeat(11000),
  ];

  readonly numbers = [
    '0',
    '-0',
    '1',
    '-1',
    '42',
    '375',
    '1.0',
    '1.5',
    '-2.25',
    '5.00',
    '1e3',
    '1E+3',
    '2e-3',
    '0.1',
    '123456789012345678',
    '9007199254740993',
    '99999999999999999999',
    '2147483648',
    '-129',
    '1e400',
    '1704101760000',
    '1.7976931348623157e308',
  ];

  /** Broken number and literal tokens: each must fail the document exactly as today. */
  readonly badTokens = [
    '01',
    '1.',
    '-',
    '+1',
    '.5',
    '1e',
    '0x10',
    'tru',
    'nul',
    'True',
    'NaN',
    'undefined',
    "'a'",
  ];

  key(): string {
    return `"${this.pick(this.chance(0.7) ? this.mappedNames : this.names)}"`;
  }

  scalar(): string {
    const r = this.random();
    if (r < 0.45) return `"${this.pick(this.strings)}"`;
    if (r < 0.75) return this.pick(this.numbers);
    if (r < 0.85) return this.pick(['true', 'false']);
    if (r < 0.95) return 'null';
    return this.pick(this.badTokens);
  }

  space(): string {
    return this.chance(0.9) ? '' : this.pick([' ', '\n', '\t', '\r\n ', '  ']);
  }

  value(depth: number): string {
    const r = this.random();
    if (depth < 6 && r < 0.15) return this.object(depth + 1);
    if (depth < 6 && r < 0.27) {
      const count = Math.floor(this.random() * 4);
      const items = Array.from({ length: count }, () => this.value(depth + 1));
      return `[${this.space()}${items.join(`,${this.space()}`)}${this.space()}]`;
    }
    return this.scalar();
  }

  object(depth: number): string {
    const count = Math.floor(this.random() * 6);
    const entries: string[] = [];
    for (let i = 0; i < count; i++) {
      const key = this.chance(0.05) && entries.length > 0 ? this.pick(entries).split(':')[0]! : this.key();
      entries.push(`${key}${this.space()}:${this.space()}${this.value(depth)}`);
    }
    return `{${this.space()}${entries.join(`,${this.space()}`)}${this.space()}}`;
  }

  /** A real CloudTrail source, sometimes with a field replaced or added. */
  realistic(): string {
    const source = this.pick(cloudTrailSources);
    if (this.chance(0.3)) return source;
    const close = source.lastIndexOf('}');
    return `${source.slice(0, close)},${this.key()}:${this.value(1)}}`;
  }

  /** Breaks valid text: truncation, stray bytes, trailing data, a different start. */
  mutate(text: string): string {
    const at = Math.floor(this.random() * (text.length + 1));
    switch (Math.floor(this.random() * 7)) {
      case 0:
        return text.slice(0, at);
      case 1:
        return (
          text.slice(0, at) +
          this.pick(['"', ',', '}', ']', '\\', ':', '\u0001', ' ', 'x', '\u00e9']) +
          text.slice(at)
        );
      case 2:
        return text.slice(0, at) + text.slice(at + 1);
      case 3:
        return `${text}${this.pick([' x', '{}', ',', ' ', '\n', '\u00a0'])}`;
      case 4:
        return this.pick(['', '   ', '[]', '"s"', '12', 'null', '\ufeff', '\u00a0']) + text;
      case 5:
        return this.pick(['', ' ', '\t\n', '[1]', '"x"', '1', 'null']);
      default: {
        // Arrays nested around the depth limits, under a mapped or unmapped name.
        const depth = 1 + Math.floor(this.random() * 22);
        const nested = `${'['.repeat(depth)}${this.scalar()}${']'.repeat(depth)}`;
        return text.replace(/^\{/, () => `{${this.key()}:${nested}${text.trim() === '{}' ? '' : ','}`);
      }
    }
  }

  document(): string {
    const text = this.chance(0.35) ? this.realistic() : this.object(0);
    return this.chance(0.15) ? this.mutate(text) : text;
  }
}

const limitsChoices: DocumentLimits[] = [
  { totalFields: 1000, depth: 20, ignoreMalformed: false, documentDepthCheck: true },
  { totalFields: 1000, depth: 20, ignoreMalformed: true, documentDepthCheck: true },
  { totalFields: 1000, depth: 3, ignoreMalformed: false, documentDepthCheck: true },
  { totalFields: 1000, depth: 3, ignoreMalformed: false, documentDepthCheck: false },
  { totalFields: 12, depth: 20, ignoreMalformed: false, documentDepthCheck: true },
];

function compare(walker: ByteWalker, text: string, mapping: RootMapping, limits: DocumentLimits): boolean {
  const exact = exactOutcome(text, mapping, limits);
  const { outcome, walked } = fastOutcome(walker, text, mapping, limits);
  assert.deepEqual(outcome, exact);
  return walked;
}

describe('dev server byte walk (differential against parseDocument)', function () {
  this.timeout(120_000);

  it('gives every captured CloudTrail source the exact walk values, without falling back', function () {
    const walker = new ByteWalker();
    const limits = limitsChoices[0]!;
    const captured = '/tmp/bulks/0000.ndjson';
    const sources = [...cloudTrailSources];
    if (existsSync(captured)) {
      const lines = readFileSync(captured, 'utf8').split('\n');
      for (let i = 1; i < lines.length; i += 2) if (lines[i]) sources.push(lines[i]!);
    }
    let walked = 0;
    for (const source of sources) if (compare(walker, source, productMapping, limits)) walked++;
    // The product's documents are the fast path's reason to exist: it must take nearly all of them.
    assert.ok(walked >= sources.length * 0.9, `walked ${walked} of ${sources.length}`);
    for (const source of cloudTrailSources) {
      assert.ok(compare(walker, source, productMapping, limits), 'a fixture source fell back');
    }
  });

  it('gives random documents the outcome parseDocument gives, under every mapping', function () {
    const replay = process.env.BYTE_WALK_SEED;
    const cases = Number(process.env.BYTE_WALK_CASES ?? 4000);
    const seeds = replay
      ? [Number(replay)]
      : Array.from({ length: cases }, () => Math.floor(Math.random() * 2 ** 31));
    const walker = new ByteWalker();
    let walked = 0;
    const walkedBy = new Map<string, number>();
    for (const seed of seeds) {
      const random = seededRandom(seed);
      const [name, mapping] = mappings[Math.floor(random() * mappings.length)]!;
      const generator = new DocumentGenerator(random, mapping);
      const limits = generator.pick(limitsChoices);
      const text = generator.document();
      try {
        if (compare(walker, text, mapping, limits)) {
          walked++;
          walkedBy.set(name, (walkedBy.get(name) ?? 0) + 1);
        }
      } catch (error) {
        console.error(
          `byte walk differential failed: BYTE_WALK_SEED=${seed} (mapping ${name})\n${text.length > 3000 ? `${text.slice(0, 1000)} ... ${text.slice(-2000)}` : text}`,
        );
        throw error;
      }
    }
    if (process.env.BYTE_WALK_STATS) console.log(`walked ${walked} of ${seeds.length}`, walkedBy);
    // Random documents must reach the fast path often enough for the comparison to mean something.
    if (!replay) assert.ok(walked > seeds.length * 0.1, `walked ${walked} of ${seeds.length}`);
  });

  it('gives hand-picked edge cases the outcome parseDocument gives, under every mapping and limit', function () {
    const walker = new ByteWalker();
    const nest = (depth: number, inner: string, open = '[', close = ']'): string =>
      `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
    const cases = [
      '{}',
      ' {} ',
      '',
      '  ',
      '[]',
      '\ufeff{}',
      '{}x',
      '{"kw2":"a"}{}',
      '{"kw2":"b","1":"a"}',
      '{"kw2":"b","007":"a"}',
      '{"obj":{"kw":"b","1":"a"}}',
      '{"__proto__":"p","constructor":5}',
      '{"kw2":"a","kw2":"b"}',
      '{"unmapped":{"x":1,"x":2}}',
      '{"unmapped":[{"x":1},{"x":1,"y":[{"z":1,"z":1}]}]}',
      '{"dis":{"a":1,"a":1}}',
      '{"\\u006bw2":"a"}',
      '{"kw\\u0032":"a"}',
      '{"unmapped":{"\\u0078":1}}',
      '{"obj.kw":"a"}',
      '{"obj":{"deep.kw":"a"}}',
      '{"":"a"}',
      '{"obj":{"":1}}',
      '{"nv":null,"kw":null,"obj":null,"dis":null}',
      '{"nv":[null,"x"]}',
      '{"obj":"concrete"}',
      '{"obj":[{"kw":"a"},{"kw":"b"},null]}',
      '{"obj":[1]}',
      '{"kw":{"a":1}}',
      '{"flat":{"a":{"b":"c"}}}',
      '{"flat":"x"}',
      '{"multi":"x"}',
      '{"multi":null,"kw2":"y"}',
      '{"multi":{"a":"b"}}',
      '{"dis":[[[[[[1]]]]]],"kw2":"z"}',
      '{"é":"accent","ü":"x"}',
      '{"kw2":"caf\u00e9","txt":"\u65e5\u672c caf\u00e9"}',
      '{"kw2":"\\ud83d\\ude00","txt":"a\\nb"}',
      '{"kw2":"\\ud800"}',
      `{"kw2":"${'z'.repeat(11000)}"}`,
      `{"kw2":"${'\u00e9'.repeat(11000)}"}`,
      `{"kw2":"${'\u00e9'.repeat(17000)}"}`,
      `{"txt":"${'w '.repeat(100)}"}`,
      '{"n":1.0,"i":1.5,"f":"x","d":"2024-01-01","d2":"bad","b":"true","ip":"bad","ip2":"1.2.3.4"}',
      '{"n":9007199254740993,"f":1e400,"d":1704101760000,"b":1}',
      '{"n":-0,"i":2147483648,"kw2":1e3,"txt":5.00}',
      '{"off":"x","kw2":true,"txt":false}',
      '{"strictObj":{"new":1}}',
      '{"openObj":{"new":1}}',
      '{"openObj":{"kw":"a"}}',
      '{"unmapped":"\u0001"}',
      '{"unmapped":"a\tb"}',
      '{"unmapped":01}',
      '{"unmapped":-}',
      '{"unmapped":1.}',
      '{"unmapped":[1,]}',
      '{"unmapped":{"a":1,}}',
      '{"unmapped" 1}',
      '{"unmapped":1 "kw2":"a"}',
      '{"unmapped":tru}',
      '{"unmapped":nulls}',
      '{"unmapped":"\\x"}',
      '{"unmapped":"\\u00g0"}',
      `{"unmapped":${nest(300, '1')}}`,
      `{"unmapped":${nest(300, '"a":1', '{"b":', '}')}}`,
      `{"kw2":${nest(500, '1')}}`,
      `{"obj":${nest(25, '"kw":"a"', '{"deep":', '}')}}`,
      ...[2, 3, 4, 19, 20, 21].map((depth) => `{"kw2":${nest(depth, '"a"')}}`),
      ...[2, 3, 4, 19, 20, 21].map((depth) => `{"unmapped":${nest(depth, '"a"')}}`),
      ...[2, 3, 4, 19, 20, 21].map((depth) => `{"dis":${nest(depth, '"a"')}}`),
      ...[1, 2, 3].map((depth) => `{"obj":${nest(depth, '{"deep":{"kw":"a"}}')}}`),
      ...[1, 2, 3].map((depth) => `{"obj":{"deep":${nest(depth, '{"kw":"a"}')}}}`),
      ...cloudTrailSources.map((source) => source.replace('"eventName":', '"eventName":"x","eventName":')),
      ...cloudTrailSources.map((source) => source.replace('"readOnly":', '"readOnly":"nope","x":')),
      ...cloudTrailSources.map((source) => source.replace('"eventTime":"', '"eventTime":"not ')),
      ...cloudTrailSources.map((source) => source.replace('{"', '{"1":1,"')),
      ...cloudTrailSources.map((source) => source.replace('}', ',"a":1,"a":2}')),
    ];
    for (const text of cases) {
      for (const [name, mapping] of mappings) {
        for (const limits of limitsChoices) {
          try {
            compare(walker, text, mapping, limits);
          } catch (error) {
            console.error(
              `byte walk edge case failed (mapping ${name}, ${JSON.stringify(limits)}): ${text.slice(0, 300)}`,
            );
            throw error;
          }
        }
      }
    }
  });

  it('fails the comparison when the walk emits a different value', function () {
    // The differential check itself: a walker that drops a value must not compare equal.
    const walker = new ByteWalker();
    const limits = limitsChoices[0]!;
    const source = cloudTrailSources[0]!;
    const changed = source.replace('"eventName":"', '"eventName":"X');
    const exact = exactOutcome(source, productMapping, limits);
    const { outcome } = fastOutcome(walker, changed, productMapping, limits);
    assert.notDeepEqual(outcome, exact);
  });
});
