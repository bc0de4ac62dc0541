/**
 * Generators of CloudTrail-shaped records for the differential tests of the two document builders:
 * JSON text with random (valid) whitespace, escapes and number forms, odd keys, typed fields of the
 * wrong type, deep nesting, huge values, invalid UTF-8. Every generator is driven by a seeded PRNG, so
 * a failing record is reproduced from its seed.
 */
import { seededRandom } from '../../src/util/random.js';
import type { SampleRecord } from './helpers.js';

export { seededRandom as random };

/** Writes JS values as JSON text with random (but valid) whitespace, escapes and number forms. */
export class Writer {
  /** `compact`: no whitespace and every given value as JSON.stringify writes it (random ones vary). */
  constructor(
    readonly rng: () => number,
    readonly compact = false,
  ) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rng() * items.length)]!;
  }

  ws(): string {
    if (this.compact) return '';
    const r = this.rng();
    if (r < 0.9) return '';
    return this.pick([' ', '\n', '\r\n', '\t', '  \n ']);
  }

  /** A key: canonical, rarely with escapes (CloudTrail's own keys never have any). */
  key(text: string): string {
    return this.rng() < 0.01 && !this.compact ? this.string(text, 0) : JSON.stringify(text);
  }

  /** A JSON string for `text`: canonical, or with some characters written as \uXXXX or \/. */
  string(text: string, canonical = 0.8): string {
    if (this.rng() < canonical || this.compact) return JSON.stringify(text);
    let out = '"';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      const code = text.charCodeAt(i);
      if (this.rng() < 0.2) out += '\\u' + code.toString(16).padStart(4, '0');
      else if (ch === '/') out += '\\/';
      else out += JSON.stringify(ch).slice(1, -1);
    }
    return out + '"';
  }

  number(value: number): string {
    if (Number.isInteger(value) && this.rng() < 0.2 && !this.compact)
      return this.pick([`${value}.0`, `${value}e0`, `${value}E+00`]);
    return String(value);
  }

  value(value: unknown, depth: number): string {
    if (value === null || typeof value === 'boolean') return String(value);
    if (typeof value === 'number') return this.number(value);
    if (typeof value === 'string') return this.string(value);
    if (Array.isArray(value)) {
      const items = value.map((item) => this.ws() + this.value(item, depth + 1) + this.ws());
      if (this.rng() < 0.03)
        items.splice(Math.floor(this.rng() * (items.length + 1)), 0, this.random(depth + 1));
      return '[' + items.join(',') + ']';
    }
    const object = value as Record<string, unknown>;
    const members = Object.keys(object).map(
      (key) => this.ws() + this.key(key) + this.ws() + ':' + this.ws() + this.value(object[key], depth + 1),
    );
    if (this.rng() < 0.05)
      members.splice(Math.floor(this.rng() * (members.length + 1)), 0, this.member(depth + 1, members));
    return '{' + members.join(',') + this.ws() + '}';
  }

  member(depth: number, siblings: string[]): string {
    let key: string;
    const r = this.rng();
    if (r < 0.05 && siblings.length > 0) return this.pick(siblings); // a duplicate key
    if (r < 0.15)
      key = this.pick([
        '',
        'a.b',
        '1',
        '01x',
        '_x',
        'ct',
        '@timestamp',
        '__proto__',
        'é',
        'k"q',
        'x/y',
        '😀',
      ]);
    else if (r < 0.3)
      key = this.pick([
        'eventTime',
        'eventID',
        'readOnly',
        'sourceIPAddress',
        'userIdentity',
        'resources',
        'arn',
      ]);
    else key = 'k' + Math.floor(this.rng() * 20).toString(36);
    return this.ws() + this.key(key) + ':' + this.ws() + this.random(depth);
  }

  /** A random JSON value, as text. */
  random(depth: number): string {
    const r = this.rng();
    if (depth < 6 && r < 0.12) {
      const members: string[] = [];
      const n = Math.floor(this.rng() * 5);
      for (let i = 0; i < n; i++) members.push(this.member(depth + 1, members));
      return '{' + members.join(',') + '}';
    }
    if (depth < 6 && r < 0.22) {
      const n = Math.floor(this.rng() * 4);
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(this.ws() + this.random(depth + 1));
      return '[' + items.join(',') + ']';
    }
    if (r < 0.35) return this.pick(['true', 'false', 'null']);
    if (r < 0.5)
      return this.pick([
        '0',
        '-0',
        '-0.0',
        '1',
        '-17',
        '1.50',
        '1e5',
        '1E+2',
        '-2.5e-3',
        '0.1',
        '3.0',
        '123456789012345',
        '1234567890123456',
        '-123456789012345',
        '9007199254740993',
        '12345678901234567890',
        '1e400',
        '1638483271',
        '1638483271000',
      ]);
    return this.string(this.text());
  }

  /** Text with unicode, escapes and lengths around the 1,024-byte pair-value limit. */
  text(): string {
    const pieces = [
      'a',
      'bucket-1',
      ' ',
      'é',
      '日本',
      '😀',
      '"',
      '\\',
      '\n',
      '\t',
      '\u0001',
      '/',
      '\u2028',
      '\ud83d',
    ];
    const r = this.rng();
    if (r < 0.1)
      return this.pick(['', 'true', 'false', 'True', '2021-12-02T22:14:31Z', '10.0.0.1', 'fe80::1%eth0']);
    let out = '';
    if (r < 0.3) {
      // near the limit: fill with one kind of character, then a random tail
      const fill = this.pick(['a', 'é', '日', '😀', '\\"', 'x']);
      const unit = Buffer.byteLength(fill);
      const count = Math.floor((1024 + Math.floor(this.rng() * 9) - 4) / unit);
      out = fill.repeat(count);
    }
    const n = 1 + Math.floor(this.rng() * 8);
    for (let i = 0; i < n; i++) out += this.pick(pieces);
    return out;
  }
}

/** A random edit of a sample record: typed fields given odd values, extra members anywhere. */
export function mutated(record: Record<string, unknown>, writer: Writer): string {
  const { rng } = writer;
  const members: string[] = [];
  for (const key of Object.keys(record)) {
    const r = rng();
    if (r < 0.03) continue;
    const value = r < 0.08 ? writer.random(1) : writer.value(record[key], 1);
    members.push(writer.ws() + writer.key(key) + writer.ws() + ':' + writer.ws() + value);
  }
  const extra = Math.floor(rng() * 3);
  for (let i = 0; i < extra; i++)
    members.splice(Math.floor(rng() * (members.length + 1)), 0, writer.member(1, members));
  return writer.ws() + '{' + members.join(',') + writer.ws() + '}' + writer.ws();
}

/**
 * A sample record as Logstash ships it (the OTRF/Mordor datasets): compact, eventTime renamed to
 * `@timestamp` (in Logstash's form, or odd), an `@version` member, and sometimes a `ct` member or
 * random extra members (some of them not canonical: `1.50`, `-0`, integer-like or repeated keys).
 */
export function logstashed(record: Record<string, unknown>, writer: Writer): string {
  const iso = typeof record.eventTime === 'string' ? record.eventTime : '2020-09-14T00:57:43Z';
  const timestamp = writer.pick<unknown>([
    iso.replace(/Z$/, '.000Z'),
    iso.replace(/Z$/, '.000Z'),
    iso,
    Date.parse(iso),
    Date.parse(iso) / 1000,
    null,
    'not a time',
    { time: iso },
  ]);
  const members = Object.entries(record).filter(([key]) => key !== 'eventTime' || writer.rng() < 0.1);
  const insert = (key: string, value: unknown) =>
    members.splice(Math.floor(writer.rng() * (members.length + 1)), 0, [key, value]);
  insert('@timestamp', timestamp);
  insert('@version', '1');
  if (writer.rng() < 0.1) insert('ct', writer.pick<unknown>([{ a: 1, b: ['x'] }, 'ct', 2, null]));
  const text = members.map(([key, value]) => writer.key(key) + ':' + writer.value(value, 1));
  if (writer.rng() < 0.2)
    text.splice(Math.floor(writer.rng() * (text.length + 1)), 0, writer.member(1, text));
  return '{' + text.join(',') + '}';
}

const TYPED_MISFITS: [string, () => unknown][] = [
  ['readOnly', () => 'maybe'],
  ['readOnly', () => 'True'],
  ['readOnly', () => 1],
  ['readOnly', () => [true, 'false', ['']]],
  ['managementEvent', () => ({ a: 1 })],
  ['userIdentity', () => 'arn:aws:iam::1:user/x'],
  ['userIdentity', () => ({ type: { deep: true }, arn: ['a', 'b'] })],
  ['userIdentity', () => ({ sessionContext: { attributes: { mfaAuthenticated: { x: 1 } } } })],
  ['userIdentity', () => ({ 'a.b': 1, '': 2 })],
  ['resources', () => 'arn:aws:s3:::b'],
  ['resources', () => [{ ARN: 'a' }, 'b', [{ ARN: ['c'] }]]],
  ['resources', () => [[[{ ARN: 'a', type: {} }]]]],
  ['eventTime', () => ({ t: '2021-12-02T22:14:31Z' })],
  ['eventTime', () => 1638483271],
  ['eventTime', () => [1, 2]],
  ['eventID', () => 42],
  ['eventID', () => ['a']],
  ['eventID', () => 'é'.repeat(300)],
  ['sourceIPAddress', () => ['10.0.0.1']],
  ['sourceIPAddress', () => ({ ip: '10.0.0.1' })],
  ['errorMessage', () => ({ message: 'x' })],
  ['tlsDetails', () => 7],
];

/** Values each input of the derived fields (src/documents/derived.ts) takes, odd ones included. */
const IDENTITY_VALUES: Record<string, unknown[]> = {
  type: ['IAMUser', 'AssumedRole', 'Root', 'AWSService', 'AWSAccount', 'FederatedUser', 'WebIdentityUser'],
  type2: ['SAMLUser', 'IdentityCenterUser', 'Unknown', '', 7, true, null, ['Root']],
  arn: ['arn:aws:iam::1:user/u', 'arn:aws:sts::1:assumed-role/R/sé/x', 'arn:aws:iam::1:root', '', 3],
  issuerArn: ['arn:aws:iam::1:role/R', '', false],
  invokedBy: ['ec2.amazonaws.com', 'AWS Internal', ''],
  identityProvider: ['accounts.google.com', 'arn:aws:iam::1:saml-provider/P'],
  userName: ['alice', 'bob/é', ''],
  accountId: ['111122223333', 'ANONYMOUS_PRINCIPAL'],
  principalId: ['AIDAX', 'ANONYMOUS_PRINCIPAL', 4],
  onBehalfOf: [
    { userId: 'u-1', identityStoreArn: 'arn:aws:identitystore::1:identitystore/d-1' },
    { userId: 9 },
  ],
  mfaAuthenticated: ['true', 'false', true, false, 'TRUE', 1],
  fromConsole: ['true', true, 'false', false, 'yes'],
  eventName: ['ConsoleLogin', 'GetObject'],
  eventType: ['AwsConsoleSignIn', 'AwsApiCall'],
  additionalEventData: [
    { MFAUsed: 'Yes' },
    { MFAUsed: 'No' },
    { MFAUsed: true },
    'MFAUsed',
    [{ MFAUsed: 'Yes' }],
    {},
  ],
};

/** A sample record given a random principal and random console and MFA facts (each may be left out). */
function identityShaped(record: Record<string, unknown>, writer: Writer): string {
  const some = (name: string): unknown =>
    writer.rng() < 0.25 ? undefined : writer.pick(IDENTITY_VALUES[name]!);
  const attributes = { mfaAuthenticated: some('mfaAuthenticated'), creationDate: '2021-12-02T22:00:00Z' };
  const sessionContext = { sessionIssuer: { type: 'Role', arn: some('issuerArn') }, attributes };
  const identity: Record<string, unknown> = {
    type: writer.rng() < 0.7 ? some('type') : some('type2'),
    principalId: some('principalId'),
    arn: some('arn'),
    accountId: some('accountId'),
    invokedBy: some('invokedBy'),
    identityProvider: some('identityProvider'),
    userName: some('userName'),
    onBehalfOf: some('onBehalfOf'),
    sessionContext: writer.rng() < 0.1 ? [sessionContext] : sessionContext,
  };
  const out: Record<string, unknown> = {
    ...record,
    userIdentity: writer.pick<unknown>([identity, identity, identity, identity, [identity], null]),
    eventName: some('eventName'),
    eventType: some('eventType'),
    sessionCredentialFromConsole: some('fromConsole'),
    additionalEventData: some('additionalEventData'),
  };
  return mutated(JSON.parse(JSON.stringify(out)) as Record<string, unknown>, writer);
}

/** A value nested `depth` levels of objects and arrays deep, around the walk's depth limit. */
export function nested(writer: Writer, depth: number): string {
  let text = writer.random(6);
  for (let i = 0; i < depth; i++) {
    text = writer.rng() < 0.5 ? `[${text}]` : `{${writer.key(writer.pick(['k', 'a.b', 'x', '']))}:${text}}`;
  }
  return text;
}

/** Many leaves and long strings: around the pair count, pair size and ct.text limits. */
function bulky(writer: Writer): string {
  const members: string[] = [];
  const leaves = writer.pick([100, 1990, 2010, 2500]);
  const valueLength = writer.pick([3, 14, 20]); // 2,000 pairs of 14 characters or more fill ct.text
  for (let i = 0; i < leaves; i++) members.push(`"p${i}":"${'v'.repeat(valueLength)}${i}"`);
  const long = writer.pick([0, 1, 2]);
  for (let i = 0; i < long; i++) {
    const length = writer.pick([2000, 16000, 33000]);
    members.push(`"long${i}":${writer.string(writer.pick(['a', 'é', '😀', '\\"']).repeat(length))}`);
  }
  return `{"eventTime":"2021-12-02T22:14:31Z","requestParameters":{${members.join(',')}}}`;
}

/** Replaces one byte inside a string of `text` with bytes that are not UTF-8 (or returns it unchanged). */
function withInvalidUtf8(writer: Writer, text: string): Buffer {
  const bytes = Buffer.from(text);
  const quotes: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x22) quotes.push(i);
  if (quotes.length < 2) return bytes;
  const at = writer.pick(quotes);
  const bad = writer.pick([[0xff], [0xc3], [0xe6, 0x97], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
  return Buffer.concat([bytes.subarray(0, at + 1), Buffer.from(bad), bytes.subarray(at + 1)]);
}

/**
 * One record for the differential fuzz test, exercising every JSON feature the builders must agree
 * on (see the file's header). Mostly CloudTrail-shaped, from the samples.
 */
export function fuzzRecord(writer: Writer, samples: readonly SampleRecord[]): Buffer {
  const sample = samples[Math.floor(writer.rng() * samples.length)]!;
  const r = writer.rng();
  let text: string;
  if (r < 0.3) text = mutated(sample.record, writer);
  else if (r < 0.45) text = logstashed(sample.record, writer);
  else if (r < 0.55) {
    const members: string[] = [];
    const n = Math.floor(writer.rng() * 12);
    for (let m = 0; m < n; m++) members.push(writer.member(1, members));
    text = '{' + members.join(',') + '}';
  } else if (r < 0.65) {
    const [key, value] = writer.pick(TYPED_MISFITS);
    text = JSON.stringify({ ...sample.record, [key]: value() });
  } else if (r < 0.72) {
    const depth = writer.pick([40, 62, 63, 64, 65, 66, 70, 200]);
    const where = writer.pick(['requestParameters', 'resources', 'readOnly', 'userIdentity', 'x']);
    text = JSON.stringify(sample.record).replace(/^\{/, `{"${where}":${nested(writer, depth)},`);
  } else if (r < 0.7225) {
    text = bulky(writer); // costly (up to 2,500 leaves): a few dozen per run
  } else if (r < 0.82) {
    text = identityShaped(sample.record, writer);
  } else {
    text = JSON.stringify(sample.record); // canonical, as CloudTrail writes it
  }
  return writer.rng() < 0.03 ? withInvalidUtf8(writer, text) : Buffer.from(text);
}
