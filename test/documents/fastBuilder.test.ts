/**
 * Differential test of the byte-level fast path (fastBuilder.ts) against the parse-based reference
 * builder: for every record the fast path accepts, `_source` bytes, `_index`, `_id`, `eventTimeMs`
 * must be identical; for a record it declines, the reference's result must confirm the reason it gave
 * (compareBuilders). Targeted cases here; test/documents/fuzz.test.ts draws records at random.
 */
import { strict as assert } from 'node:assert';
import type { BuildContext } from '../../src/documents/builder.js';
import { utf8Cut } from '../../src/documents/fast/pairsWriter.js';
import { truncateUtf8 } from '../../src/documents/utf8.js';
import { readRecords } from '../../src/records/index.js';
import { openLocalFile, walkFiles } from '../../src/source/local.js';
import { logstashed, mutated, random, Writer } from './generator.js';
import { buildersFor, compareBuilders, OBJECT_TIME, SAMPLES_DIR, sampleRecords, text } from './helpers.js';

const context: BuildContext = {
  indexPrefix: 'cloudtrail-',
  sourceName: 's3://trail-bucket/AWSLogs/1/CloudTrail/eu-west-1/2021/12/02/f é.json.gz',
  keyDate: '2021-12-02',
  objectTimeMs: OBJECT_TIME,
};

/** Builds `bytes` both ways; returns whether the fast path took it. */
function compare(bytes: Buffer, index: number, what: string, ctx: BuildContext = context): boolean {
  return compareBuilders(bytes, index, what, ctx);
}

/** The fast path alone. */
function buildFast(bytes: Buffer, index: number, ctx: BuildContext) {
  return buildersFor(ctx).fast.build(bytes, index);
}

describe('fast document builder (differential against the reference builder)', () => {
  const samples = sampleRecords();

  it('builds every sample record as the reference does, declining only those it moves a value out of', () => {
    let fast = 0;
    for (const sample of samples) {
      const what = `${sample.file}#${sample.index}`;
      if (compare(sample.bytes, sample.index, what)) fast++;
      else assert.equal(buildersFor(context).fast.bailReason, 'displaced', what);
    }
    console.log(`      fast path: ${fast} of ${samples.length} sample records`);
  });

  it('does the same for the records as the splitter hands them over (original bytes)', async () => {
    let fast = 0;
    let total = 0;
    for await (const file of walkFiles([SAMPLES_DIR])) {
      if (!file.path.endsWith('.json.gz') || !file.path.includes('_CloudTrail_')) continue;
      for await (const record of readRecords(openLocalFile(file.path), {
        maxDecompressedBytes: 2 ** 30,
        maxRecordBytes: 4 << 20,
        sourceName: file.path,
      })) {
        total++;
        if (compare(record.bytes, record.index, `${file.path}#${record.index}`)) fast++;
      }
    }
    console.log(`      fast path: ${fast} of ${total} original records`);
    assert.ok(total >= 1214);
  });

  it('matches on pretty-printed records (CR/LF between tokens) and with other contexts', () => {
    for (const sample of samples.slice(0, 200)) {
      const pretty = Buffer.from(JSON.stringify(sample.record, null, 2).replaceAll('\n', '\r\n') + '\n');
      const compact = compare(sample.bytes, sample.index, `${sample.file}#${sample.index}`);
      // whitespace makes a record with its own `@timestamp` or `ct` one the reference re-serialises
      const reserved = '@timestamp' in sample.record || 'ct' in sample.record;
      assert.equal(
        compare(pretty, sample.index, `${sample.file}#${sample.index} pretty`),
        compact && !reserved,
      );
      compare(sample.bytes, sample.index, 'no key date', {
        indexPrefix: 'ct-',
        sourceName: 'x',
        objectTimeMs: OBJECT_TIME,
      });
      compare(sample.bytes, sample.index, 'nothing known of the file', {
        indexPrefix: 'ct-',
        sourceName: '/tmp/"q"',
      });
    }
  });

  it('matches on 6,000 mutated sample records and 3,000 random records', () => {
    const writer = new Writer(random(20260115));
    let fast = 0;
    for (let i = 0; i < 6000; i++) {
      const sample = samples[Math.floor(writer.rng() * samples.length)]!;
      const text = mutated(sample.record, writer);
      if (compare(Buffer.from(text), i, `mutation ${i}: ${text}`)) fast++;
    }
    let randomFast = 0;
    for (let i = 0; i < 3000; i++) {
      const members: string[] = [];
      const n = Math.floor(writer.rng() * 12);
      for (let m = 0; m < n; m++) members.push(writer.member(1, members));
      const text = '{' + members.join(',') + '}';
      if (compare(Buffer.from(text), i, `random ${i}: ${text}`)) randomFast++;
    }
    console.log(`      fast path: ${fast} of 6000 mutated, ${randomFast} of 3000 random records`);
  });

  it('matches on 3,000 sample records shipped through Logstash (own @timestamp, @version, ct)', () => {
    const writer = new Writer(random(20260116), true);
    let fast = 0;
    for (let i = 0; i < 3000; i++) {
      const sample = samples[Math.floor(writer.rng() * samples.length)]!;
      const text = logstashed(sample.record, writer);
      if (compare(Buffer.from(text), i, `logstashed ${i}: ${text}`)) fast++;
    }
    console.log(`      fast path: ${fast} of 3000 Logstash-shipped records`);
  });

  it('cuts a root @timestamp or ct of any JSON type out of a canonical record as the reference does', () => {
    const values = [
      '"2020-09-14T00:57:43.000Z"',
      '"2020-09-14 00:57:43"',
      '"2020-09-14T02:57:43+02:00"',
      '"1999-12-31T23:59:59Z"',
      '"2099-01-01T00:00:00Z"',
      '"yesterday"',
      '""',
      '"é😀 \\" \\\\ \\n \\t"',
      '1600000000',
      '1600000000123',
      '-1',
      '1.5',
      '1e+21',
      '1e-7',
      'true',
      'false',
      'null',
      '{}',
      '[]',
      '{"a":"x","b":[1,{"c":"d\\"e"}],"n":null}',
      '["2020-09-14T00:57:43Z",2]',
    ];
    const others = [
      [],
      ['"eventTime":"2021-12-02T22:14:31Z"', '"eventID":"e1"'],
      ['"eventTime":"2021-12-02T22:14:31.5Z"', '"a":{"b":1.25}'],
      ['"eventTime":"bad"', '"sourceIPAddress":"10.0.0.1"', '"a":[true,null,"x"]'],
      ['"eventTime":null', '"@version":"1"', '"requestParameters":{"x":"\\\\"}'],
      ['"eventName":"GetObject"', '"resources":[{"ARN":"arn:aws:s3:::b"}]', '"userIdentity":{"type":"x"}'],
    ];
    let cases = 0;
    for (const value of values) {
      for (const members of others) {
        for (let at = 0; at <= members.length; at++) {
          const withTime = members.toSpliced(at, 0, `"@timestamp":${value}`);
          for (const record of [
            withTime,
            members.toSpliced(at, 0, `"ct":${value}`),
            withTime.toSpliced(Math.min(at + 1, withTime.length), 0, `"ct":${values[cases % values.length]}`),
            withTime.toSpliced(0, 0, `"ct":${value}`),
          ]) {
            const text = '{' + record.join(',') + '}';
            assert.ok(compare(Buffer.from(text), cases, text), `not on the fast path: ${text}`);
            cases++;
          }
        }
      }
    }
    for (const text of ['  {"ct":1}\r\n', '{"a":1.5,"b":1e+21,"c":1234567890123456,"d":0.1,"ct":{}}']) {
      assert.ok(compare(Buffer.from(text), 0, text), `not on the fast path: ${text}`);
    }
  });

  it('leaves a record with its own @timestamp or ct to the reference when it is not canonical', () => {
    const time = '"@timestamp":"2020-09-14T00:57:43.000Z"';
    const declined = [
      `{${time}, "a":1}`,
      `{ ${time}}`,
      `{${time} }`,
      `{"a":[1 ,2],"ct":1}`,
      `{"a":{"b":1}\n,"ct":1}`,
      `{"@timestamp":"2020-09-14T00:57:43.000Z\\/"}`,
      `{${time},"a":"x\\/y"}`,
      `{"a":"\\u0041","ct":1}`,
      `{"ct":"\\u00e9"}`,
      `{${time},"a":1.0}`,
      `{${time},"a":1.50}`,
      `{${time},"a":1e5}`,
      `{${time},"a":1E+21}`,
      `{${time},"a":-0}`,
      `{${time},"a":1e400}`,
      `{${time},"a":12345678901234567890}`,
      `{"@timestamp":1.0}`,
      `{${time},"1":1}`,
      `{${time},"a":{"42":1}}`,
      `{${time},${time}}`,
      `{"ct":1,"a":2,"ct":3}`,
      `{${time},"a":1,"a":2}`,
      `{${time},"_id":"x"}`,
      `{${time},"readOnly":"True"}`,
    ];
    for (const text of declined) {
      assert.equal(buildFast(Buffer.from(text), 0, context), undefined, text);
      compare(Buffer.from(text), 0, text);
    }
    // Canonical, but not proven so by the fast path: still identical, whichever builder takes it.
    const odd = [...Array(70).keys()].map((i) => `${i}.5`).join(',');
    for (const text of [`{"a":"\\u0001","ct":1}`, `{"a":[${odd}],"ct":1}`])
      compare(Buffer.from(text), 0, text);
  });

  it('cuts long values exactly as the reference does, around the 1,024-byte limit', () => {
    for (const fill of ['a', 'é', '日', '😀', '\\', '"', '\n', '\u0001', '\ud83d', '/']) {
      for (let bytes = 1010; bytes <= 1040; bytes++) {
        const count = Math.ceil(bytes / Buffer.byteLength(fill));
        for (const tail of ['', 'x', '😀', 'é\\']) {
          const value = fill.repeat(count) + tail;
          const record = {
            eventTime: '2021-12-02T22:14:31Z',
            requestParameters: { policy: value, n: [1.5, -0] },
          };
          const canonical = `${fill} × ${count} + ${tail}`;
          assert.ok(compare(Buffer.from(JSON.stringify(record)), bytes, canonical), canonical);
          const escaped = JSON.stringify(record).replaceAll('é', '\\u00e9').replaceAll('/', '\\/');
          compare(Buffer.from(escaped), bytes, `${fill} × ${count} + ${tail} escaped`);
        }
      }
    }
  });

  it('reads eventTime from the bytes exactly as eventTime.ts does', () => {
    const times = [
      '2021-12-02T22:14:31Z',
      '2021-12-02t22:14:31z',
      '2024-02-29T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2021-04-31T00:00:00Z',
      '2021-12-02T24:00:00Z',
      '2021-12-02T2x:14:31Z',
      '2021-12-02T22:60:31Z',
      '2021-12-02T22:14:60Z',
      '2021-00-02T22:14:31Z',
      '2021-13-02T22:14:31Z',
      '2021-12-00T22:14:31Z',
      '1999-12-31T23:59:59Z',
      '0099-12-31T23:59:59Z',
      '2099-12-31T23:59:59Z',
      '2026-01-16T11:59:59Z',
      '2026-01-16T12:00:01Z',
      '2021-12-02 22:14:31Z',
      '2021-12-02T22:14:31+',
      '2021-12-02T22:14:31.864Z',
      '2021-12-02T22:14:31.000Z',
      '2021-12-02T22:14:31.999Z',
      '2021-12-02t22:14:31.864z',
      '2021-12-02T22:14:31,864Z',
      '2021-12-02T22:14:31.86xZ',
      '2021-12-02T22:14:31.8640',
      '2024-02-29T23:59:59.999Z',
      '2023-02-29T00:00:00.001Z',
      '2021-12-02T24:00:00.000Z',
      '1999-12-31T23:59:59.999Z',
      '2026-01-16T11:59:59.999Z',
      '2026-01-16T12:00:00.001Z',
      '2021-12-02 22:14:31.864Z',
      '2021-12-02T22:14:31.86Z',
      '2021-12-02T22:14:31.8641Z',
    ];
    for (const eventTime of times) {
      const record = { eventTime, eventID: 'x', requestParameters: { a: 1 } };
      assert.ok(compare(Buffer.from(JSON.stringify(record)), 0, eventTime), eventTime);
    }
  });

  it('utf8Cut on canonical JSON content agrees with truncateUtf8 on the decoded string', () => {
    const writer = new Writer(random(7));
    for (let i = 0; i < 2000; i++) {
      const text = writer.text();
      const content = Buffer.from(JSON.stringify(text).slice(1, -1));
      for (const limit of [0, 1, 2, 3, 5, 100, 1023, 1024, 1025]) {
        const cut = utf8Cut(content, 0, content.length, limit);
        const expected = truncateUtf8(text, limit).text;
        assert.equal(
          content.toString('utf8', 0, cut),
          JSON.stringify(expected).slice(1, -1),
          `${text} @${limit}`,
        );
      }
    }
  });

  it('finds duplicate keys in small and large objects, typed and free-form, and only those', () => {
    const keys = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `"${prefix}${i}":${i}`);
    const time = '"eventTime":"2021-12-02T00:00:00Z"';
    const duplicated = [
      `{${time},"eventName":"a","eventName":"b"}`,
      `{${time},"userIdentity":{"type":"a","arn":"b","type":"c"}}`,
      `{${time},"resources":[{"ARN":"a"},{"ARN":"b","ARN":"c"}]}`,
      `{${time},"a":1,"b":2,"a":3}`,
      `{${time},"x":{${keys(8).join(',')},"k0":1}}`,
      `{${time},"x":{${keys(8).join(',')},"k7":1}}`,
      `{${time},"x":{${keys(30).join(',')},"k3":1}}`,
      `{${time},"x":{${keys(30).join(',')},"k29":1}}`,
      `{${time},${keys(12, 'r').join(',')},"eventID":"e","r11":5}`,
      `{${time},"userIdentity":{${keys(10).join(',')},"arn":"a","k9":1}}`,
      `{${time},"x":{${keys(9).join(',')},"y":{${keys(9, 'y').join(',')}},"k5":1}}`,
      `{${time},"x":{${keys(9).join(',')},"y":[{${keys(9, 'y').join(',')}}],"y":1}}`,
    ];
    for (const record of duplicated) {
      assert.equal(buildFast(Buffer.from(record), 0, context), undefined, record);
      compare(Buffer.from(record), 0, record);
    }
    const distinct = [
      `{${time},"a":{"a":{"a":1,"b":2},"b":{"a":3}},"b":{"a":[{"a":1},{"a":2}]}}`,
      `{${time},"x":{${keys(9).join(',')},"k":1,"k10":2,"k00":3,"y":{${keys(9).join(',')}}}}`,
      `{${time},"x":[{${keys(20).join(',')}},{${keys(20).join(',')}}],"y":{${keys(20).join(',')}}}`,
      `{${time},"x":{${keys(9).join(',')},"y":{${keys(9, 'y').join(',')}},"y9":1,"y0":2}}`,
      `{${time},"userIdentity":{"type":"a","sessionContext":{"attributes":{"type":"b"}},"x":{"type":1}}}`,
      `{${time},"eventName":"a","eventNam":"b","eventNames":"c","eventname":"d"}`,
      `{${time},"x":{"é":1,"e":2,"\\n":3,"\\\\n":4,"ab":5,"ba":6}}`,
    ];
    for (const record of distinct) assert.ok(compare(Buffer.from(record), 0, record), record);
  });

  it('predicts typed keys from the previous record only when the bytes are exactly that key', () => {
    // Table.next remembers the key order of the last object of each typed table: a record right
    // after another is read through the prediction, so near misses must fall back to scanKey.
    const time = '"eventTime":"2021-12-02T00:00:00Z"';
    const user = '"userIdentity":{"type":"IAMUser","arn":"a","x":{"y":1}}';
    const records = [
      `{${time},"eventName":"a",${user},"eventID":"e1"}`,
      `{${time},"eventName":"b",${user},"eventID":"e2"}`, // every key predicted
      `{${time},"eventNameX":"b",${user},"eventID":"e3"}`, // longer than the predicted name
      `{${time},"eventName":"a",${user}}`,
      `{${time},"eventNam":"b",${user}}`, // shorter: the byte after it is no closing quote
      `{${time},"eventName":"a",${user}}`,
      `{${time},"eventNamf":"b",${user}}`, // same length, last byte differs
      `{${time},"eventName":"a","userIdentity":{"arn":"a","type":"t","x":{"y":2}}}`, // other order
      `{${time},"eventName":"a","userIdentity":{"arn":"a","type":"t","x":{"y":3}}}`,
      `{${time},"eventName":"a","userIdentity":{"arn":"a","typ":"t","x":{"y":4}}}`,
      `{${time},"eventName":"a","userIdentity":{"x":{"y":5},"arn":"a"}}`, // a pathed object: its pairs
      `{${time},"eventName":"a","userIdentity":{"x":{"y":6},"arn":"a"}}`,
      `{${time},"eventName":"a","eventName":"b"}`, // a predicted key repeated: declined
      `{${time},"eventName":"a","eventName":"b"}`,
      `{${time},"event\\u004eame":"a"}`, // the name through an escape: declined
      `{${time},"_eventName":"a"}`,
      `{${time}, "eventName" : "a" ,${user}}`,
      `{${time},"eventName":"a",${user},"eventID":"e1"}`,
    ];
    const taken = records.map((record, i) => compare(Buffer.from(record), i, record));
    assert.deepEqual(taken.map((took, i) => (took ? '' : records[i])).filter(Boolean), [
      records[12],
      records[13],
      records[14],
      records[15],
    ]);
  });

  it('writes a repeated pair once: under one array, across arrays, through dotted keys', () => {
    const time = '"eventTime":"2021-12-02T00:00:00Z"';
    const records = [
      // the same path under one array (free-form, typed, nested)
      `{${time},"a":[1,1,"1",true,true,null,"x","x"]}`,
      `{${time},"a":[{"b":1},{"b":1},{"b":2},{"c":[1,[1]]}]}`,
      `{${time},"resources":[{"ARN":"a","x":"y"},{"ARN":"b","x":"y"},{"x":{"z":[1,1]}}]}`,
      `{${time},"resources":[{"x":"y"}],"a":{"resources":{"x":"y"}},"b":[{"resources":{"x":"y"}}]}`,
      `{${time},"a":[[1,2],[2,1]],"b":{"c":[1]},"b2":[{"c":1}]}`,
      // the same pair from a dotted key, before or after its nested twin, in or out of an array
      `{${time},"a":{"b.c":1,"b":{"c":1}}}`,
      `{${time},"a":{"b":{"c":1},"b.c":1}}`,
      `{${time},"a":{"b":{"c":1}},"x":{"y":{"z":2}},"q":[1,1],"w":{"x.y":{"z":2}}}`,
      `{${time},"a":[1,{"b":1}],"c":{"d":{"e":"v"}},"z":{"c.d":{"e":"v"},"c":{"d.e":"v"}}}`,
      `{${time},"a":[{"b.c":1},{"b":{"c":1}}],"a2":{"b":{"c":1}}}`,
      `{${time},"ct":{"a.b":1,"a":{"b":1}},"x":[1,1]}`,
      `{${time},"x":{"":{"a":1},".a":1,"a":1},"y":{"":1}}`,
      // long values cut to the same prefix
      `{${time},"a":["${'é'.repeat(600)}x","${'é'.repeat(600)}y"],"b":"${'é'.repeat(600)}x"}`,
    ];
    for (const record of records) assert.ok(compare(Buffer.from(record), 0, record), record);
    // and a repeated pair is written once
    const document = buildFast(Buffer.from(records[1]!), 0, context);
    assert.ok(document);
    assert.equal(text(document).split('"a.b=1"').length, 2);
  });

  it('writes recordIndex, tags and sourceIp as the reference does', () => {
    const records = [
      '{"eventTime":"2021-12-02T22:14:31Z","eventID":"e1","sourceIPAddress":"10.0.0.1"}',
      '{"eventTime":"2021-12-02T22:14:31.5Z","sourceIPAddress":"fe80::1%eth0","a":"' +
        'x'.repeat(2000) +
        '"}',
      '{"eventTime":"bad","eventID":"","@timestamp":"2021-12-02T22:14:31Z","a":1}',
      '{"eventTime":"2099-12-02T22:14:31Z","eventID":"' + 'é'.repeat(300) + '","ct":1}',
      '{"eventID":"' + 'e'.repeat(512) + '","sourceIPAddress":"AWS Internal"}',
      '{"eventID":"' + 'e'.repeat(513) + '","sourceIPAddress":"01.2.3.4"}',
      '{"eventID":"a\\nb","eventTime":"2021-12-02T22:14:31.123Z"}',
    ];
    for (const record of records) {
      for (const index of [0, 7, 9, 10, 99, 100, 12345, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53]) {
        assert.ok(compare(Buffer.from(record), index, `${record} @${index}`), record);
      }
    }
    const addresses = [
      '1.2.3.4',
      '0.0.0.0',
      '255.255.255.255',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '1.2.3.04',
      '1..2.3',
      '.1.2.3',
      '1.2.3.',
      '1.2.3.4 ',
      '１.2.3.4',
      'a.b.c.d',
      '',
      'AWS Internal',
      'ec2.amazonaws.com',
      '::1',
      '2001:db8::1',
      'fe80::1%eth0',
      '1.2.3.4%eth0',
      '::ffff:1.2.3.4',
      '1.2.3.4\\t',
      '\\u0031.2.3.4',
      '1234.1.1.1',
      '1.2.3.4000',
    ];
    for (const address of addresses) {
      const record = `{"eventTime":"2021-12-02T22:14:31Z","sourceIPAddress":"${address}"}`;
      assert.ok(compare(Buffer.from(record), 0, record), record);
    }
    const document = buildFast(Buffer.from('{"sourceIPAddress":"10.0.0.1"}'), 0, context);
    assert.ok(document && text(document).includes('"sourceIp":"10.0.0.1"'));
  });

  it('reads strings and keys four bytes at a time: any special byte at any offset of a word', () => {
    // Escapes, UTF-8, dots and control characters at every offset of the word-at-a-time scans, in
    // free-form and typed values and keys, with the record's end at every offset too.
    const specials = [
      '\\"',
      '\\\\',
      '\\n',
      '\\t',
      '\\u00e9',
      '\\u0001',
      '\\/',
      'é',
      '😀',
      '.',
      ' ',
      '-',
      '/',
    ];
    for (const special of specials) {
      for (let before = 0; before < 9; before++) {
        for (let after = 0; after < 6; after++) {
          const text = 'a'.repeat(before) + special + 'b'.repeat(after);
          const key = 'k'.repeat(before) + special + 'q'.repeat(after);
          const records = [
            `{"eventName":"${text}","requestParameters":{"x":"${text}","${key}":"${text}"}}`,
            `{"userIdentity":{"arn":"${text}","${key}":[1,"${text}"]},"${key}":"${text}"}`,
            `{"a":["${text}","${text}"],"b":{"c":"${text}"},"sourceIPAddress":"${text}"}`,
          ];
          for (const record of records) compare(Buffer.from(record), 0, record);
        }
      }
    }
    for (let cut = 1; cut < 12; cut++) {
      const record = '{"a":"abcdefgh","eventName":"ijklmnop"}';
      assert.equal(buildFast(Buffer.from(record.slice(0, -cut)), 0, context), undefined, record);
      const control = record.slice(0, -cut) + '\u0001' + record.slice(-cut);
      assert.equal(buildFast(Buffer.from(control), 0, context), undefined, control);
    }
    // A record longer than the text's buffer: its strings take the byte-at-a-time path.
    const long = `{"a":"short","b":"${'x'.repeat(40000)}","c":"é\\n"}`;
    assert.ok(compare(Buffer.from(long), 0, 'a 40 KB record'));
  });

  it('declines what it does not handle, leaving it to the reference', () => {
    const declined = [
      '{}',
      '[]',
      '{"a":1} x',
      '{"a":1,"a":2}',
      '{"b":{"x":1,"x":2}}',
      '{"1":1,"a":2}',
      '{"_id":"x"}',
      '{"a.b":1}',
      '{"":1}',
      '{"readOnly":"True"}',
      '{"userIdentity":"arn"}',
      '{"eventTime":{"a":1}}',
      '{"a\\u0062":1}',
      '{"a":"\u0001"}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":tru}',
      '{"a":"\\x"}',
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    ];
    for (const record of declined) {
      const bytes = typeof record === 'string' ? Buffer.from(record) : record;
      assert.equal(buildFast(bytes, 0, context), undefined, bytes.toString());
    }
  });
});
