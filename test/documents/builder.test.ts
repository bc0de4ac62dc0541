import { strict as assert } from 'node:assert';
import { isIP } from 'node:net';
import { DocumentError, type BuildContext } from '../../src/documents/builder.js';
import { isDottedQuad } from '../../src/documents/head.js';
import { recoverRecord } from '../../src/documents/recover.js';
import { countMappedFields, indexTemplate } from '../../src/template/template.js';
import { buildRecord, OBJECT_TIME, pairsOf, rejections, text } from './helpers.js';

const context: BuildContext = {
  indexPrefix: 'cloudtrail-',
  sourceName: 's3://trail-bucket/AWSLogs/1/CloudTrail/eu-west-1/2021/12/02/f.json.gz',
  keyDate: '2021-12-02',
  objectTimeMs: OBJECT_TIME,
};
const mappings = (
  indexTemplate({ indexPrefix: 'cloudtrail-' }).body.template as { mappings: Record<string, unknown> }
).mappings;

function build(record: unknown, overrides: Partial<BuildContext> = {}, index = 0) {
  const bytes = Buffer.from(typeof record === 'string' ? record : JSON.stringify(record));
  const document = buildRecord(bytes, index, { ...context, ...overrides });
  const source = JSON.parse(text(document)) as Record<string, unknown> & { ct: Record<string, unknown> };
  return { document, source, ct: source.ct, tags: (source.ct.tags ?? []) as string[] };
}

const base = {
  eventVersion: '1.08',
  eventTime: '2021-12-02T22:14:31Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetBucketAcl',
  eventID: '0b1f4c8e-8f7a-4c21-9f55-1d2c3b4a5e6f',
};

describe('buildDocument', () => {
  describe('index name, @timestamp and tags', () => {
    it('names the daily index after the UTC day of eventTime', () => {
      const { document, source, tags } = build({ ...base, eventTime: '2021-12-31T23:59:59Z' });
      assert.equal(document.index, 'cloudtrail-2021-12-31');
      assert.equal(source['@timestamp'], '2021-12-31T23:59:59.000Z');
      assert.equal(document.eventTimeMs, Date.UTC(2021, 11, 31, 23, 59, 59));
      assert.deepEqual(tags, []);
    });

    it('reads space-separated, fractional and offset times as UTC instants', () => {
      assert.equal(
        build({ ...base, eventTime: '2024-06-02 20:27:12' }).source['@timestamp'],
        '2024-06-02T20:27:12.000Z',
      );
      assert.equal(
        build({ ...base, eventTime: '2025-02-09 20:29:17.123456789' }).source['@timestamp'],
        '2025-02-09T20:29:17.123Z',
      );
      const offset = build({ ...base, eventTime: '2021-12-02T23:30:00+02:00' });
      assert.equal(offset.source['@timestamp'], '2021-12-02T21:30:00.000Z');
      assert.equal(offset.document.index, 'cloudtrail-2021-12-02');
    });

    it('falls back to the S3 key date for a missing eventTime, and tags it', () => {
      const record: Record<string, unknown> = { ...base };
      delete record.eventTime;
      const { document, source, tags } = build(record);
      assert.equal(document.index, 'cloudtrail-2021-12-02');
      assert.equal(source['@timestamp'], '2021-12-02T00:00:00.000Z');
      assert.equal(document.eventTimeMs, undefined);
      assert.deepEqual(tags, ['eventTime-from-s3-key']);
    });

    it('treats unreadable and implausible eventTimes as invalid (tagged), never drops the record', () => {
      for (const eventTime of [
        'redacted',
        '...',
        '2021-02-30T00:00:00Z',
        '1970-01-01T00:00:00Z',
        '2031-01-01T00:00:00Z',
        {},
      ]) {
        const { document, tags } = build({ ...base, eventTime });
        assert.equal(document.index, 'cloudtrail-2021-12-02', JSON.stringify(eventTime));
        assert.deepEqual(tags.slice(0, 2), ['eventTime-invalid', 'eventTime-from-s3-key']);
      }
    });

    it("uses the object's time when neither eventTime nor a key date exists, and tags it", () => {
      const objectTimeMs = Date.UTC(2023, 4, 6, 7, 8, 9, 10);
      for (const keyDate of [undefined, 'not-a-date', '1999-12-31']) {
        const { document, source, tags } = build({ eventName: 'X' }, { keyDate, objectTimeMs });
        assert.equal(document.index, 'cloudtrail-2023-05-06');
        assert.equal(source['@timestamp'], '2023-05-06T07:08:09.010Z');
        assert.deepEqual(tags, ['eventTime-from-object-time', 'id-from-content-hash']);
      }
    });

    it('refuses a record with no time at all rather than guess one (DocumentError, so dead-lettered)', () => {
      assert.throws(
        () =>
          build({ eventName: 'X', eventTime: 'soon' }, { keyDate: undefined, objectTimeMs: undefined }, 3),
        (error: unknown) => error instanceof DocumentError && /record 3: no usable time/.test(error.message),
      );
    });

    it("judges a future eventTime against the object's time, else the key's day, never the clock", () => {
      const objectTimeMs = Date.UTC(2021, 11, 2, 23, 0, 0);
      const at = (hours: number) => new Date(objectTimeMs + hours * 3_600_000).toISOString();
      const withObject = (eventTime: string) => build({ ...base, eventTime }, { objectTimeMs });
      assert.deepEqual(withObject(at(23)).tags, []);
      assert.equal(withObject(at(23)).document.index, 'cloudtrail-2021-12-03');
      assert.deepEqual(withObject(at(30)).tags, ['eventTime-invalid', 'eventTime-from-s3-key']);
      assert.equal(withObject(at(30)).document.index, 'cloudtrail-2021-12-02');
      // Key date only: up to a day after the end of the key's day.
      const keyOnly = (eventTime: string) => build({ ...base, eventTime }, { objectTimeMs: undefined }).tags;
      assert.deepEqual(keyOnly('2021-12-04T00:00:00Z'), []);
      assert.deepEqual(keyOnly('2021-12-04T00:00:01Z'), ['eventTime-invalid', 'eventTime-from-s3-key']);
      // Nothing known of the file: any time from 2000 to 2999 (daily names stay within `<prefix>2*`).
      const nothing = { keyDate: undefined, objectTimeMs: undefined };
      const unknown = build({ ...base, eventTime: '2999-12-31T23:59:59Z' }, nothing);
      assert.equal(unknown.document.index, 'cloudtrail-2999-12-31');
      assert.throws(() => build({ ...base, eventTime: '3000-01-01T00:00:00Z' }, nothing), /no usable time/);
    });
  });

  describe('_id', () => {
    it('is the eventID', () => {
      assert.equal(build(base).document.id, base.eventID);
    });

    it('is a deterministic content hash when eventID is missing, empty, not a string or over 512 bytes', () => {
      for (const eventID of [undefined, '', 42, 'é'.repeat(257)]) {
        const record = { ...base, eventID };
        const first = build(record);
        assert.match(first.document.id, /^h-[A-Za-z0-9_-]{32}$/);
        assert.equal(build(record).document.id, first.document.id);
        assert.ok(first.tags.includes('id-from-content-hash'));
      }
      assert.notEqual(
        build({ ...base, eventID: undefined, eventName: 'A' }).document.id,
        build({ ...base, eventID: undefined, eventName: 'B' }).document.id,
      );
      assert.equal(build({ ...base, eventID: 'x'.repeat(512) }).document.id, 'x'.repeat(512));
    });
  });

  describe('_source', () => {
    it('is the record text itself after @timestamp and ct (no re-serialisation)', () => {
      const record = '{"eventTime":"2021-12-02T22:14:31Z", "weird" :  1.50, "eventID":"e1"}';
      const { document } = build(record);
      assert.ok(text(document).startsWith('{"@timestamp":"2021-12-02T22:14:31.000Z","ct":{'));
      assert.ok(
        text(document).endsWith(',"eventTime":"2021-12-02T22:14:31Z", "weird" :  1.50, "eventID":"e1"}'),
      );
    });

    it('keeps a pretty-printed record on one line', () => {
      const pretty = JSON.stringify({ ...base, requestParameters: { a: [1, 2] } }, null, 2).replaceAll(
        '\n',
        '\r\n',
      );
      const { document } = build(pretty);
      assert.ok(!/[\r\n]/.test(text(document)));
      assert.deepEqual(recoverRecord(text(document)), JSON.parse(pretty));
    });

    it('handles the empty record', () => {
      const { document, source } = build('{ }');
      assert.deepEqual(Object.keys(source), ['@timestamp', 'ct']);
      assert.deepEqual(recoverRecord(text(document)), {});
    });

    it("moves a record's own @timestamp (and ct) into ct.original instead of writing duplicate keys", () => {
      const record = {
        ...base,
        eventTime: undefined,
        '@timestamp': '2020-09-14T00:57:43.000Z',
        ct: { mine: 1 },
      };
      delete record.eventTime;
      const { document, source, ct, tags } = build(record);
      assert.equal((text(document).match(/"@timestamp":/g) ?? []).length, 1);
      assert.equal((text(document).match(/"ct":/g) ?? []).length, 1);
      assert.equal(source['@timestamp'], '2020-09-14T00:57:43.000Z');
      assert.equal(document.index, 'cloudtrail-2020-09-14');
      assert.deepEqual(JSON.parse(ct.original as string), {
        '/@timestamp': '2020-09-14T00:57:43.000Z',
        '/ct': { mine: 1 },
      });
      assert.ok(tags.includes('eventTime-from-record-timestamp') && tags.includes('displaced'));
      assert.deepEqual(recoverRecord(text(document)), record);
    });

    it('moves values that do not fit a typed field aside, keeping the rest typed', () => {
      const record = {
        ...base,
        readOnly: 'True',
        managementEvent: 'true',
        resources: 'arn:aws:s3:::b',
        eventName: { nested: 'object' },
        userIdentity: { type: 'IAMUser', arn: ['a', { b: 1 }], 'odd.key': 1, '': 2, sessionContext: 'x' },
        tlsDetails: [{ tlsVersion: 'TLSv1.2' }, { cipherSuite: { x: 1 } }],
        _id: 'mine',
      };
      const { document, source, ct } = build(record);
      assert.deepEqual(rejections(mappings, source), []);
      assert.deepEqual(Object.keys(JSON.parse(ct.original as string)).sort(), [
        '/_id',
        '/eventName',
        '/readOnly',
        '/resources',
        '/tlsDetails/1/cipherSuite',
        '/userIdentity/',
        '/userIdentity/arn',
        '/userIdentity/odd.key',
        '/userIdentity/sessionContext',
      ]);
      assert.equal(source.managementEvent, 'true'); // "true" fits a boolean
      assert.equal((source.userIdentity as Record<string, unknown>).type, 'IAMUser');
      const pairs = pairsOf(source);
      for (const expected of [
        'readOnly=True',
        'resources=arn:aws:s3:::b',
        'eventName.nested=object',
        'userIdentity.arn.b=1',
        '_id=mine',
      ]) {
        assert.ok(pairs.includes(expected), expected);
      }
      assert.deepEqual(recoverRecord(text(document)), record);
    });

    it('rejects non-JSON and non-object records with a DocumentError naming the record', () => {
      assert.throws(
        () => build('{"a":'),
        (error: unknown) => {
          assert.ok(error instanceof DocumentError);
          assert.match(error.message, /^s3:\/\/trail-bucket\/.*f\.json\.gz record 0: invalid JSON/);
          return true;
        },
      );
      for (const [json, kind] of [
        ['[1]', 'an array'],
        ['"s"', 'string'],
        ['null', 'null'],
        ['7', 'number'],
      ]) {
        assert.throws(() => build(json!, {}, 5), new RegExp(`record 5: not a JSON object \\(${kind}\\)`));
      }
    });
  });

  describe('ct fields', () => {
    it('records the source object and position', () => {
      const { ct } = build(base, {}, 17);
      assert.equal(ct.source, context.sourceName);
      assert.equal(ct.recordIndex, 17);
    });

    it('reads IPv4 text exactly as isIP does', () => {
      let seed = 12345;
      const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const alphabet = '0123456789.......:a %';
      const texts = ['0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.', '.1.2.3'];
      for (let i = 0; i < 200_000; i++) {
        let text = '';
        const length = Math.floor(next() * 17);
        for (let j = 0; j < length; j++) text += alphabet[Math.floor(next() * alphabet.length)];
        texts.push(text);
      }
      for (let i = 0; i < 20_000; i++) {
        const part = () => String(Math.floor(next() * 300)).padStart(next() < 0.1 ? 2 : 1, '0');
        texts.push([part(), part(), part(), part()].join('.'));
      }
      for (const text of texts) assert.equal(isDottedQuad(text), isIP(text) === 4, text);
    });

    it('copies sourceIPAddress into ct.sourceIp only when it is an IP address', () => {
      assert.equal(build({ ...base, sourceIPAddress: '203.0.113.9' }).ct.sourceIp, '203.0.113.9');
      assert.equal(build({ ...base, sourceIPAddress: '2001:db8::1' }).ct.sourceIp, '2001:db8::1');
      assert.equal(build({ ...base, sourceIPAddress: 'fe80::1%eth0' }).ct.sourceIp, 'fe80::1');
      assert.equal(build({ ...base, sourceIPAddress: 'ec2.amazonaws.com' }).ct.sourceIp, undefined);
      assert.equal(build({ ...base, sourceIPAddress: 'AWS Internal' }).ct.sourceIp, undefined);
      assert.equal(build({ ...base, sourceIPAddress: '10.0.0.1%eth0' }).ct.sourceIp, '10.0.0.1');
      assert.equal(build({ ...base, sourceIPAddress: '010.0.0.1' }).ct.sourceIp, undefined);
    });

    it('writes one deduplicated path=value pair per free-form leaf, array positions dropped', () => {
      const { ct } = build({
        ...base,
        userAgent: 'aws-cli/2', // typed: not a pair
        requestParameters: {
          bucketName: 'my-bucket',
          filter: [
            { name: 'group-id', values: ['sg-1', 'sg-2'] },
            { name: 'group-id', values: ['sg-1'] },
          ],
          maxResults: 42,
          dryRun: false,
          marker: null,
          empty: {},
          nested: [[1, 2], [2]],
        },
        responseElements: '{"stringified":"json"}',
        userIdentity: { type: 'Root', webIdFederationData: { federatedProvider: 'cognito' } },
        brandNewField: 'v',
      });
      assert.deepEqual(ct.pairs, [
        'requestParameters.bucketName=my-bucket',
        'requestParameters.filter.name=group-id',
        'requestParameters.filter.values=sg-1',
        'requestParameters.filter.values=sg-2',
        'requestParameters.maxResults=42',
        'requestParameters.dryRun=false',
        'requestParameters.nested=1',
        'requestParameters.nested=2',
        'responseElements={"stringified":"json"}',
        'userIdentity.webIdFederationData.federatedProvider=cognito',
        'brandNewField=v',
      ]);
      assert.equal(
        ct.text,
        'my-bucket group-id sg-1 sg-2 group-id sg-1 42 1 2 2 {"stringified":"json"} cognito v',
      );
    });

    it('cuts a 100 KB value so that no term approaches 32,766 bytes', () => {
      const huge = '€'.repeat(100_000 / 3) + 'tail';
      const { source, tags, ct } = build({
        ...base,
        requestParameters: { policy: huge },
        errorMessage: huge,
      });
      assert.deepEqual(rejections(mappings, source), []);
      const pair = pairsOf(source)[0]!;
      assert.ok(pair.startsWith('requestParameters.policy=€€€'));
      assert.ok(Buffer.byteLength(pair) <= 2048 && !pair.includes('\uFFFD'));
      assert.ok(Buffer.byteLength(pair.slice('requestParameters.policy='.length)) <= 1024);
      assert.ok((ct.text as string).length <= 32 * 1024);
      assert.ok(tags.includes('value-truncated'));
      assert.equal((source.requestParameters as { policy: string }).policy, huge); // _source untouched
    });

    it('caps pairs per document and flags it', () => {
      const many: Record<string, number> = {};
      for (let i = 0; i < 3000; i++) many[`k${i}`] = i;
      const { ct } = build({ ...base, requestParameters: many });
      assert.equal((ct.pairs as string[]).length, 2000);
      assert.equal(ct.truncated, true);
      assert.equal(build({ ...base, requestParameters: { a: 1 } }).ct.truncated, undefined);
    });

    it('stays conflict-free for 5,000 random new paths with conflicting types, with a constant field count', () => {
      const before = countMappedFields(mappings);
      let seed = 7;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const values = [
        () => 'text',
        () => Math.floor(random() * 1e6),
        () => random() > 0.5,
        () => ({ deep: { er: 'x' } }),
        () => [1, 'a', { b: null }],
        () => null,
        () => '2021-01-01T00:00:00Z',
      ];
      const typedNames = [
        'eventName',
        'readOnly',
        'userIdentity',
        'resources',
        'eventTime',
        'apiVersion',
        'tlsDetails',
        'ct',
      ];
      for (let i = 0; i < 5000; i++) {
        const path = Array.from(
          { length: 1 + Math.floor(random() * 4) },
          () => `p${Math.floor(random() * 20)}`,
        );
        if (random() < 0.2) path[0] = typedNames[Math.floor(random() * typedNames.length)]!;
        const record: Record<string, unknown> = { ...base };
        let cursor = record;
        for (const segment of path.slice(0, -1)) cursor = (cursor[segment] = {}) as Record<string, unknown>;
        cursor[path[path.length - 1]!] = values[Math.floor(random() * values.length)]!();
        const { document, source } = build(record, {}, i);
        assert.deepEqual(rejections(mappings, source), [], JSON.stringify(record));
        assert.deepEqual(recoverRecord(text(document)), record);
      }
      assert.equal(countMappedFields(mappings), before);
      assert.ok(before < 300);
    });
  });
});
