/**
 * Differential tests of the indexing fast paths against the code they replaced (fast-path-oracles.ts):
 * dates, the standard analyzer, IPv4 conversion, compact JSON and the filter_path writer, over seeded
 * random input plus edge cases. A failure names its seed; FAST_PATH_SEED=<seed> replays it.
 */
import { strict as assert } from 'node:assert';
import { BULK_FILTER_PATH } from '../../src/bulk/transport.js';
import { applyFilterPath, stringifyFiltered } from '../../devserver/filter-path.js';
import { NumberToken, RawJson, stringifyJson } from '../../devserver/json.js';
import { analyzeText } from '../../devserver/mapping/analysis.js';
import { defaultDateFormat, parseDate } from '../../devserver/mapping/dates.js';
import { parseZone } from '../../devserver/mapping/time-zones.js';
import { MalformedValue, convertValue } from '../../devserver/mapping/values.js';
import { seededDraws } from '../../devserver/random.js';
import { formatIp, oldParseDate, oldStandardTokens, oldStringifyJson, parseIp } from './fast-path-oracles.js';
import { call, ndjson, useServer } from './helpers.js';

const seed = process.env.FAST_PATH_SEED
  ? Number(process.env.FAST_PATH_SEED)
  : (Date.now() % 1_000_000_007) >>> 0;
const replay = `(seed ${seed}; replay with FAST_PATH_SEED=${seed})`;

/** A generator of random choices, seeded per test so one test's draws do not shift another's. */
function randomFor(salt: number) {
  const draw = seededDraws((seed ^ Math.imul(salt, 0x9e3779b1)) >>> 0);
  const int = (n: number): number => Math.floor(draw() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const digits = (n: number): string => Array.from({ length: n }, () => String(int(10))).join('');
  return { draw, int, pick, digits };
}

/** The error (or nothing) a call throws, as a comparable value. */
function outcome<T>(run: () => T): { value?: T; error?: string } {
  try {
    return { value: run() };
  } catch (error) {
    if (error instanceof MalformedValue) return { error: JSON.stringify(error.causedBy) };
    throw error;
  }
}

describe('dev server: fast paths agree with the code they replaced', () => {
  describe('dates', () => {
    const edgeCases = [
      '2024-01-01T09:36:00Z',
      '2024-01-01T09:36:00.000Z',
      '2024-01-01T09:36:00.123456789Z',
      '2024-01-01T09:36:00.1234567890Z',
      '2024-01-01T09:36:00.Z',
      '2024-01-01T09:36:00,5Z',
      '2024-01-01T09:36:00.5',
      '2024-01-01T09:36:00',
      '2024-01-01T09:36',
      '2024-01-01T09',
      '2024-01-01T',
      '2024-01-01',
      '2024-01',
      '2024',
      '2024-02-29T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2000-02-29T23:59:59.999Z',
      '2100-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-12-31T23:59:59Z',
      '2024-13-01T00:00:00Z',
      '2024-00-10T00:00:00Z',
      '2024-01-00T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T23:59:60Z',
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00Z',
      '0099-12-31T23:59:59.999Z',
      '0100-01-01T00:00:00Z',
      '0999-03-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '-0001-01-01T00:00:00Z',
      '+2024-01-01T00:00:00Z',
      '12345-01-01T00:00:00Z',
      '275760-09-13T00:00:00Z',
      '275760-09-13T00:00:00.001Z',
      '999999999-01-01T00:00:00Z',
      '2024-01-01T09:36:00+01:00',
      '2024-01-01T09:36:00-0530',
      '2024-01-01T09:36:00+19:00',
      '2024-01-01T09:36:00+01',
      '2024-01-01T09:36:00z',
      '2024-01-01T09:36:00ZZ',
      '2024-01-01T09:36:00Z ',
      ' 2024-01-01T09:36:00Z',
      '2024-01-01t09:36:00Z',
      '2024-01-01 09:36:00Z',
      '2024/01/01T09:36:00Z',
      '2024-1-01T09:36:00Z',
      '2024-01-1T9:36:00Z',
      '２０２４-01-01T09:36:00Z',
      '1704101760000',
      '-1',
      '1.5',
      '',
    ];
    const formats = [
      defaultDateFormat,
      'strict_date_optional_time',
      'date_optional_time',
      'strict_date_time||epoch_second',
    ];
    const zones = ['Z', '+05:30', '-08:00', 'Europe/Paris'].map(parseZone);

    function randomDate(random: ReturnType<typeof randomFor>): string {
      const { draw, int, pick, digits } = random;
      const two = (max: number): string => String(int(max)).padStart(2, '0');
      let text =
        draw() < 0.85 ? digits(4) : pick(['', '-', '+']) + digits(pick([1, 2, 3, 4, 5, 6, 9, 10])) || '0';
      text += '-' + (draw() < 0.05 ? String(int(10)) : two(14));
      text += '-' + (draw() < 0.05 ? String(int(10)) : two(33));
      text += pick(['T', 'T', 'T', 'T', 't', ' ']) + two(26) + ':' + two(62) + ':' + two(62);
      if (draw() < 0.6) text += pick(['.', '.', ',']) + digits(int(12));
      text += pick(['Z', 'Z', 'Z', '', '+01:00', '-0530', '+19:00', '-00', 'z', 'ZZ', ' ', 'Zx']);
      if (draw() < 0.1) text = text.slice(0, int(text.length + 1)); // truncated anywhere
      if (draw() < 0.1) {
        const at = int(text.length);
        text = text.slice(0, at) + pick(['x', '0', '9', '-', ':', '.', 'é', '\u0000']) + text.slice(at + 1);
      }
      return text;
    }

    /** The value, or what was thrown (a named zone throws RangeError for a date past Date's range). */
    const attempt = (run: () => number | undefined): unknown => {
      try {
        return run();
      } catch (error) {
        return String(error);
      }
    };

    function check(text: string): void {
      for (const format of formats) {
        for (const zone of zones) {
          assert.equal(
            attempt(() => parseDate(text, format, zone)),
            attempt(() => oldParseDate(text, format, zone)),
            `parseDate(${JSON.stringify(text)}, ${format}, ${zone.id}) ${replay}`,
          );
        }
      }
    }

    it('edge cases: leap years, years 0-99, signed and long years, fractions, offsets, missing parts', () => {
      edgeCases.forEach(check);
    });

    it('every day of years around calendar edges (100, 1600, 1900, 2000, 2100, 9999)', () => {
      const utc = parseZone('Z');
      const spans = [
        [100, 104],
        [1596, 1604],
        [1896, 1904],
        [1968, 2104],
        [9995, 9999],
      ];
      for (const [from, to] of spans) {
        for (let year = from!; year <= to!; year++) {
          for (let month = 1; month <= 12; month++) {
            for (let day = 1; day <= 31; day++) {
              const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T23:59:59.999Z`;
              assert.equal(parseDate(text), oldParseDate(text, defaultDateFormat, utc), text);
            }
          }
        }
      }
    });

    it('random date-like strings', () => {
      const random = randomFor(1);
      for (let i = 0; i < 20_000; i++) check(randomDate(random));
    });

    it('a date field indexes the same millis, or fails with the same error', () => {
      const random = randomFor(2);
      const texts = [...edgeCases, ...Array.from({ length: 2000 }, () => randomDate(random))];
      for (const text of texts) {
        for (const node of [{ type: 'date' }, { type: 'date', format: 'strict_date_optional_time' }]) {
          const format = node.format ?? defaultDateFormat;
          const old = oldParseDate(text, format, parseZone('Z'));
          const expected =
            old !== undefined
              ? { value: old }
              : {
                  error: JSON.stringify({
                    type: 'illegal_argument_exception',
                    reason: `failed to parse date field [${text}] with format [${format}]`,
                    causedBy: {
                      type: 'date_time_parse_exception',
                      reason: format.includes('||')
                        ? 'Failed to parse with all enclosed parsers'
                        : `Text '${text}' could not be parsed at index 0`,
                    },
                  }),
                };
          assert.deepEqual(
            outcome(() => convertValue('d', node, text)),
            expected,
            `${JSON.stringify(text)} ${replay}`,
          );
        }
      }
    });
  });

  describe('the standard analyzer', () => {
    const pieces = [
      ...'abcxyzABCXYZ0123456789_'.split(''),
      ...'.\':,;-/ @=\t\n()[]{}"\\#*?!~^'.split(''),
      'é',
      'É',
      '中',
      '文',
      'ß',
      '\u0301',
      '٣',
      '😀',
      '\ud800',
      '\u00a0',
      'arn:aws:iam::123456789012:role/Admin',
      '10.0.0.1',
      'amazonaws.com',
      "O'Neil",
      '1,000;2',
    ];

    function randomText(random: ReturnType<typeof randomFor>): string {
      const { draw, int, pick } = random;
      const asciiOnly = draw() < 0.7;
      let text = '';
      const length = int(80);
      for (let i = 0; i < length; i++) {
        let piece = pick(pieces);
        while (asciiOnly && [...piece].some((ch) => ch.charCodeAt(0) > 127)) piece = pick(pieces);
        text += piece;
      }
      if (draw() < 0.05) text += 'Aa1_'.repeat(int(200)); // past max_token_length, maybe several times
      return text;
    }

    it('random ASCII and Unicode text gives the same tokens', () => {
      const random = randomFor(3);
      const fixed = [
        '',
        ' ',
        'a',
        'A.',
        '.a',
        'a.b',
        'A.B.c',
        'a:1',
        '1:a',
        '1,2',
        'a,b',
        "a'b",
        'x'.repeat(600),
        'x'.repeat(255),
        'Y'.repeat(256),
        'a.'.repeat(200) + 'a',
        '1,'.repeat(300) + '1',
        "a'b:c.d;e,f 1;2,3.4'5:6 _.a a._ 1._",
      ];
      for (const text of [...fixed, ...Array.from({ length: 20_000 }, () => randomText(random))]) {
        const expected = oldStandardTokens(text);
        for (const analyzer of ['standard', 'default']) {
          assert.deepEqual(analyzeText(text, analyzer), expected, `${JSON.stringify(text)} ${replay}`);
        }
        assert.deepEqual(
          convertValue('t', { type: 'text' }, text),
          expected,
          `${JSON.stringify(text)} ${replay}`,
        );
      }
    });
  });

  describe('ip', () => {
    it('IPv4 and IPv6 literals convert as before, and bad ones fail the same way', () => {
      const random = randomFor(4);
      const { draw, int, pick } = random;
      const octet = (): string =>
        pick([
          String(int(256)),
          String(int(10)),
          String(256 + int(800)),
          '0' + String(int(100)),
          '',
          '00',
          '-1',
          'x',
        ]);
      const fixed = [
        '0.0.0.0',
        '255.255.255.255',
        '256.0.0.1',
        '1.2.3',
        '1.2.3.4.5',
        '1.2.3.4.',
        '.1.2.3',
        '01.2.3.4',
        '1..2.3',
        '1.2.3.4 ',
        '::1',
        '::ffff:1.2.3.4',
        '2001:db8::1',
        'config.amazonaws.com',
        'AWS Internal',
        '',
      ];
      const texts = [
        ...fixed,
        ...Array.from({ length: 20_000 }, () =>
          draw() < 0.9
            ? Array.from({ length: pick([3, 4, 4, 4, 4, 5]) }, octet).join(pick(['.', '.', '.', '..', ':']))
            : `${int(65536).toString(16)}::${int(65536).toString(16)}`,
        ),
      ];
      for (const text of texts) {
        const parsed = parseIp(text);
        const expected =
          parsed !== undefined
            ? { value: formatIp(parsed) }
            : {
                error: JSON.stringify({
                  type: 'illegal_argument_exception',
                  reason: `'${text}' is not an IP string literal.`,
                }),
              };
        assert.deepEqual(
          outcome(() => convertValue('ip', { type: 'ip' }, text)),
          expected,
          `${JSON.stringify(text)} ${replay}`,
        );
      }
    });
  });

  describe('response bodies', () => {
    function randomCause(random: ReturnType<typeof randomFor>, depth: number): Record<string, unknown> {
      const { draw, pick } = random;
      const cause: Record<string, unknown> = {
        type: pick(['mapper_parsing_exception', 'illegal_argument_exception', 'json_parse_exception']),
        reason: pick(['failed to parse field [n] of type [long]', 'Unexpected "\\u0000" \n', 'é']),
      };
      if (draw() < 0.3) cause.index = 'ct';
      if (depth < 3 && draw() < 0.6) cause.caused_by = randomCause(random, depth + 1);
      return cause;
    }

    /** A bulk answer mixing created, conflicting, malformed (nested causes) and rejected items. */
    function randomBulkAnswer(random: ReturnType<typeof randomFor>): Record<string, unknown> {
      const { int, pick } = random;
      const items = Array.from({ length: int(40) }, (_, i) => {
        const action = pick(['create', 'index', 'update', 'delete']);
        const head = { _index: `ct-${int(3)}`, _id: pick([`id-${i}`, 'a"b', null]) };
        switch (pick(['created', 'created', 'conflict', 'malformed', 'rejected'])) {
          case 'created':
            return {
              [action]: {
                ...head,
                _version: 1 + int(3),
                result: pick(['created', 'updated']),
                _shards: { total: 2, successful: 1, failed: 0 },
                _seq_no: int(1000),
                _primary_term: 1,
                status: pick([200, 201]),
              },
            };
          case 'conflict':
            return {
              [action]: {
                ...head,
                status: 409,
                error: {
                  type: 'version_conflict_engine_exception',
                  reason: `[id-${i}]: version conflict, document already exists (current version [1])`,
                  index: head._index,
                  shard: '0',
                  index_uuid: 'u',
                },
              },
            };
          case 'malformed':
            return { [action]: { ...head, status: 400, error: randomCause(random, 0) } };
          default:
            return {
              [action]: {
                ...head,
                status: 429,
                error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of …' },
              },
            };
        }
      });
      const errors = items.some((item) => (Object.values(item)[0] as { status: number }).status >= 300);
      return { took: int(100), errors, items };
    }

    const specs = [
      BULK_FILTER_PATH,
      'took,errors,items.*._id,items.*.status,items.*.error',
      'items.*.error',
      '**.status',
      '**',
      'items.**.type',
      'err*,items.*._i*',
      'items.create',
      'items.*.error.caused_by.caused_by',
      'items.*._shards.total,took',
      '-took',
      'items,-items.*._shards',
      'nothing',
      '',
      ',',
      '*',
      '*.*.*',
    ];

    it('compact JSON is written as before', () => {
      const random = randomFor(5);
      const values: unknown[] = [
        null,
        0,
        -0,
        NaN,
        Infinity,
        1e21,
        'é"\n\u2028',
        true,
        [],
        {},
        [undefined, () => 1, null],
        { a: undefined, b: () => 1, c: [1, { d: new NumberToken('1.0') }], e: new RawJson('{"x" : 1}') },
        { big: 12345678901234567890n },
        Object.assign(Object.create(null) as object, { k: 'v' }),
      ];
      for (let i = 0; i < 300; i++) values.push(randomBulkAnswer(random));
      for (const value of values) {
        assert.equal(stringifyJson(value), oldStringifyJson(value), replay);
        assert.equal(stringifyJson(value, 2), oldStringifyJson(value, 2), replay);
      }
    });

    it('filtered while written: the same bytes as filtering a copy and writing it', () => {
      const random = randomFor(6);
      const bodies: unknown[] = [
        { hits: { hits: [{ _source: new RawJson('{"a":{"b":1.0,"c":[{"b":2}]},"took":3}') }] } },
        { a: [1, [2, { b: 3 }], { b: undefined }, { b: () => 1 }], b: 'x' },
        { a: { b: () => 1 } },
        { hits: [{ _source: new RawJson('{"__proto__":{"b":1},"a":{"__proto__":2,"b":3}}') }] },
        'scalar',
      ];
      for (let i = 0; i < 500; i++) bodies.push(randomBulkAnswer(random));
      for (const body of bodies) {
        for (const spec of [
          ...specs,
          'hits.hits._source.a.b',
          'a.b',
          '*.b',
          'a',
          'hits._source.*',
          'hits.**.b',
        ]) {
          assert.equal(
            stringifyFiltered(body, spec),
            oldStringifyJson(applyFilterPath(body, spec)),
            `filter_path=${spec} ${replay}`,
          );
        }
      }
    });

    describe('over HTTP: a filtered bulk answer has the bytes of the unfiltered one, filtered', () => {
      // Two servers given the same requests (and the same seeded item rejections) answer alike, but
      // for `took` and each index's uuid.
      const plain = useServer();
      const filtered = useServer();
      const normalise = (text: string): string =>
        text.replace(/"took":\d+/g, '"took":0').replace(/"index_uuid":"[^"]*"/g, '"index_uuid":"u"');

      it('random item mixes: created, 409, 400 with nested causes, 429', async () => {
        const random = randomFor(7);
        const { draw, int, pick } = random;
        for (const server of [plain(), filtered()]) {
          await call(server, 'PUT', '/fp-diff', {
            mappings: { properties: { n: { type: 'long' }, d: { type: 'date' }, ip: { type: 'ip' } } },
          });
          server.faults.add({
            fault: { kind: 'item-rejection', itemProbability: 0.2 },
            path: '/_bulk',
            times: 4,
          });
        }
        for (let round = 0; round < 12; round++) {
          const lines: unknown[] = [];
          for (let i = 0; i < 1 + int(60); i++) {
            const id = `d${int(80)}`;
            lines.push({ [pick(['create', 'create', 'index'])]: { _index: 'fp-diff', _id: id } });
            lines.push(
              pick<unknown>([
                { n: int(100), d: '2024-01-01T09:36:00Z', ip: '10.0.0.1' },
                { n: 'x' },
                { d: '2024-02-30T00:00:00Z' },
                { ip: '300.1.1.1' },
                '{"n":',
                { d: draw() < 0.5 ? 'garbage' : '2024-01-01T09:36:00.123456789Z' },
              ]),
            );
          }
          const body = ndjson(...lines);
          const spec = pick(specs);
          const unfiltered = await call(plain(), 'POST', '/_bulk', body);
          const answer = await call(
            filtered(),
            'POST',
            `/_bulk?filter_path=${encodeURIComponent(spec)}`,
            body,
          );
          assert.equal(answer.status, unfiltered.status);
          assert.equal(
            normalise(answer.text),
            normalise(oldStringifyJson(applyFilterPath(JSON.parse(unfiltered.text), spec))),
            `filter_path=${spec} ${replay}`,
          );
        }
      });
    });
  });
});
