/**
 * The alerts' prefilter on the values the document builder hands over with each record
 * (src/documents/recordFields.ts, src/alerts/prefilter.ts): what the builder hands over is what
 * JSON.parse reads, and the prefilter never keeps a rule from a record it matches, on the bundled
 * samples, the pack's events and random records (the document builders' fuzz generator: escapes,
 * duplicate keys, typed fields of the wrong type, arrays where objects are...), with console sign-ins
 * whose `responseElements` and `additionalEventData` (free-form members the prefilter reads from the
 * record's bytes) take every shape JSON allows.
 *
 * Each run draws its seed; a failure names it, and `ALERTS_PREFILTER_SEED=<seed>` replays that run.
 */
import { strict as assert } from 'node:assert';
import { randomInt } from 'node:crypto';
import { alertOf, parsedTexts } from '../../src/alerts/alert.js';
import { defaultRules } from '../../src/alerts/defaultPack.js';
import { FieldTexts } from '../../src/alerts/fieldTexts.js';
import { RuleSet, valuesAt } from '../../src/alerts/match.js';
import { MemberValues } from '../../src/alerts/memberValues.js';
import { parseRules } from '../../src/alerts/rules.js';
import { DocumentBuilder, DocumentError, type BuildContext } from '../../src/documents/builder.js';
import { SlabPool, SourceArena } from '../../src/documents/memory.js';
import { ABSENT, READ_FIELDS, UNREAD, type RecordFields } from '../../src/documents/recordFields.js';
import { fuzzRecord, random, Writer } from '../documents/generator.js';
import { sampleRecords } from '../documents/helpers.js';
import { consoleLogins, MEMBER_PATHS } from './fixtures/consoleLogins.js';
import { packCases, type Event } from './fixtures/packEvents.js';

const SEED =
  process.env.ALERTS_PREFILTER_SEED === undefined
    ? randomInt(2 ** 31)
    : Number(process.env.ALERTS_PREFILTER_SEED);
const RANDOM_RECORDS = 6_000;
const CONSOLE_LOGINS = 3_000;
const PLACE = { source: 's3://trail/key.json.gz', recordIndex: 0, index: 'cloudtrail-x', documentId: 'd' };

const CONTEXT: BuildContext = {
  indexPrefix: 'cloudtrail-',
  sourceName: 's3://trail/key.json.gz',
  objectTimeMs: Date.UTC(2026, 0, 15),
};

/** Every operator on every handed-over field, and mixes with paths the builder does not hand over. */
const OPERATOR_RULES = parseRules(
  `
rules:
  - { id: name-equals, title: t, severity: low, match: { field: eventName, equals: ConsoleLogin } }
  - { id: name-prefix, title: t, severity: low, match: { field: eventName, prefix: Get } }
  - { id: name-glob-suffix, title: t, severity: low, match: { field: eventName, glob: '*Policy' } }
  - { id: name-glob-inner, title: t, severity: low, match: { field: eventName, glob: '*Bucket*' } }
  - { id: name-glob-any, title: t, severity: low, match: { field: eventName, glob: 'Describe?nstances' } }
  - { id: source-in, title: t, severity: low, match: { field: eventSource, in: [s3.amazonaws.com, iam.amazonaws.com] } }
  - { id: source-glob-prefix, title: t, severity: low, match: { field: eventSource, glob: 'ec2.*' } }
  - { id: error-exists, title: t, severity: low, match: { field: errorCode, exists: true } }
  - { id: error-absent, title: t, severity: low, match: { field: errorCode, exists: false } }
  - { id: error-glob, title: t, severity: low, match: { field: errorCode, glob: '*Exception' } }
  - id: type-not
    title: t
    severity: low
    match: { not: { field: userIdentity.type, in: [AssumedRole, AWSService] } }
  - id: all-mixed
    title: t
    severity: low
    match:
      all:
        - { field: userIdentity.type, equals: IAMUser }
        - { field: userIdentity.userName, exists: true }
        - { not: { field: eventName, prefix: List } }
  - id: any-mixed
    title: t
    severity: low
    match:
      any:
        - { field: errorCode, equals: AccessDenied }
        - { field: sourceIPAddress, prefix: '192.' }
  - id: not-any
    title: t
    severity: low
    match: { not: { any: [{ field: eventName, prefix: Describe }, { field: readOnly, equals: true }] } }
  - { id: login-equals, title: t, severity: low, match: { field: responseElements.ConsoleLogin, equals: Success } }
  - { id: login-glob, title: t, severity: low, match: { field: responseElements.ConsoleLogin, glob: 'Fail*' } }
  - { id: mfa-exists, title: t, severity: low, match: { field: additionalEventData.MFAUsed, exists: true } }
  - id: login-result-absent
    title: t
    severity: low
    match: { all: [{ field: eventName, equals: ConsoleLogin }, { field: responseElements.ConsoleLogin, exists: false }] }
  - id: mfa-not-yes
    title: t
    severity: low
    match:
      all:
        - { field: eventName, equals: ConsoleLogin }
        - { not: { field: additionalEventData.MFAUsed, in: ['Yes', 'yes'] } }
        - { any: [{ field: responseElements.ConsoleLogin, prefix: Succ }, { field: responseElements.Other, exists: true }] }
`,
  'operator-rules.yaml',
);

/**
 * Records to check: the samples, the pack's events (as CloudTrail writes them: `canonical`) and random
 * ones (from `seed`): the fuzz generator's, and console sign-ins.
 */
function* records(seed: number, logins: boolean): Generator<{ raw: Buffer; canonical: boolean }> {
  for (const sample of sampleRecords()) yield { raw: sample.bytes, canonical: true };
  const cases = packCases();
  for (const { match, miss } of cases) {
    yield { raw: Buffer.from(JSON.stringify(match)), canonical: true };
    yield { raw: Buffer.from(JSON.stringify(miss)), canonical: true };
  }
  const writer = new Writer(random(seed));
  const samples = sampleRecords();
  for (let i = 0; i < RANDOM_RECORDS; i++) yield { raw: fuzzRecord(writer, samples), canonical: false };
  if (!logins) return;
  const login = cases.find((c) => c.rule === 'cis.console-login-without-mfa')!.match;
  for (const raw of consoleLogins(login, random(seed + 1), CONSOLE_LOGINS)) yield { raw, canonical: false };
}

/** Each record the builder makes a document of, with what it handed over and JSON.parse's reading. */
function* built(
  seed: number,
  logins = true,
): Generator<{ raw: Buffer; canonical: boolean; fields: RecordFields; event: Event }> {
  const builder = new DocumentBuilder(new SourceArena(new SlabPool(), 1 << 20), CONTEXT);
  let index = 0;
  for (const { raw, canonical } of records(seed, logins)) {
    let document;
    try {
      document = builder.build(raw, index++);
    } catch (error) {
      if (error instanceof DocumentError) continue; // not indexed: no alert either
      throw error;
    }
    const event = JSON.parse(raw.toString('utf8')) as Event;
    yield { raw, canonical, fields: builder.fields, event };
    document.release();
  }
}

const ids = (list: readonly { id: string }[]) => list.map((rule) => rule.id);

function withSeed(check: () => void): void {
  try {
    check();
  } catch (error) {
    assert.fail(`seed ${SEED} failed (replay: ALERTS_PREFILTER_SEED=${SEED}): ${(error as Error).message}`);
  }
}

describe('alerts: the prefilter on the values the document builder hands over', function () {
  this.timeout(120_000);

  it('the builder hands over exactly what JSON.parse reads (or says it did not read it)', () => {
    let read = 0;
    let parsed = 0;
    let membersRead = 0;
    const members = new MemberValues(MEMBER_PATHS);
    withSeed(() => {
      for (const { raw, canonical, fields, event } of built(SEED)) {
        const where = `record ${raw.toString('utf8', 0, 300)}`;
        if (fields.parsed) {
          assert.deepEqual(fields.parsed, event, where);
          parsed++;
          continue;
        }
        READ_FIELDS.forEach((path, i) => {
          const values = valuesAt(event, path.split('.'));
          const start = fields.starts[i]!;
          // CloudTrail's own form: one string with nothing escaped is read in place.
          const plain = values.length === 1 && JSON.stringify(values[0]) === `"${String(values[0])}"`;
          if (canonical && plain) assert.ok(start >= 0, `${where}: ${path} not read in place`);
          if (start === UNREAD) return;
          if (start === ABSENT) {
            assert.deepEqual(values, [], `${where}: ${path} handed over as absent`);
            return;
          }
          read++;
          const text = fields.bytes.toString('utf8', start, fields.ends[i]);
          assert.deepEqual(values, [text], `${where}: ${path}`);
        });
        members.nextRecord();
        MEMBER_PATHS.forEach((path, i) => {
          const values = valuesAt(event, path.split('.'));
          const start = members.start(fields, i);
          const plain = values.length === 1 && JSON.stringify(values[0]) === `"${String(values[0])}"`;
          if (canonical && plain) assert.ok(start >= 0, `${where}: ${path} not read in place`);
          if (start === UNREAD) return;
          if (start === ABSENT) {
            assert.deepEqual(values, [], `${where}: ${path} read as absent`);
            return;
          }
          membersRead++;
          const text = fields.bytes.toString('utf8', start, members.end(i));
          assert.deepEqual(values, [text], `${where}: ${path}`);
        });
      }
    });
    // Most values are read in place (a broken hand-over would leave them all unread).
    assert.ok(read > RANDOM_RECORDS, `only ${read} values read in place`);
    assert.ok(membersRead > CONSOLE_LOGINS / 2, `only ${membersRead} free-form members read in place`);
    assert.ok(parsed > 0, 'no record handed over as its parse');
  });

  it('never keeps a rule from a record it matches; when it decides, the alert needs no parse and is the same', () => {
    let alertsWithoutParse = 0;
    for (const rules of [new RuleSet(defaultRules()), new RuleSet(OPERATOR_RULES)]) {
      const matchedRules = new Set<string>();
      withSeed(() => {
        for (const { raw, fields, event } of built(SEED)) {
          const matched = rules.matches(event);
          if (matched.length === 0 || fields.parsed) continue;
          const may = rules.prefilter.mayMatch(fields).map((position) => rules.rules[position]!.id);
          for (const rule of matched) {
            matchedRules.add(rule.id);
            assert.ok(may.includes(rule.id), `${rule.id} matches but was filtered out: ${raw.toString()}`);
          }
          const positions = rules.prefilter.mayMatch(fields);
          assert.deepEqual(
            rules.matchesAmong(event, positions).map((rule) => rule.id),
            matched.map((rule) => rule.id),
          );
          // Decided: every rule let through matches, and its alert made without a parse is the same.
          if (!rules.prefilter.decided) continue;
          assert.deepEqual(may, ids(matched), 'decided, but not every rule let through matches');
          const texts = new FieldTexts(rules.alertReads).of(fields, positions);
          if (texts === undefined) continue;
          for (const rule of matched) {
            assert.deepEqual(alertOf(rule, texts, PLACE), alertOf(rule, parsedTexts(event), PLACE));
            alertsWithoutParse++;
          }
        }
      });
      // Every rule met a record it matches, so each was checked.
      assert.deepEqual(
        rules.rules.map((rule) => rule.id).filter((id) => !matchedRules.has(id)),
        [],
        'rules that matched no record',
      );
    }
    assert.ok(alertsWithoutParse > 100, `only ${alertsWithoutParse} alerts made without a parse`);
  });

  it("decides the console sign-in rule from the record's bytes (no parse) for sign-ins as CloudTrail writes them", () => {
    const rules = new RuleSet(defaultRules());
    const builder = new DocumentBuilder(new SourceArena(new SlabPool(), 1 << 20), CONTEXT);
    const login = packCases().find((c) => c.rule === 'cis.console-login-without-mfa')!;
    const variants: [Event, string[]][] = [
      [login.match, ['cis.console-login-without-mfa']],
      [login.miss, []],
      [{ ...login.match, responseElements: { ConsoleLogin: 'Failure' } }, []],
      [{ ...login.match, additionalEventData: { MobileVersion: 'No' } }, ['cis.console-login-without-mfa']],
    ];
    for (const [event, expected] of variants) {
      const document = builder.build(Buffer.from(JSON.stringify(event)), 0);
      const may = rules.prefilter.mayMatch(builder.fields).map((position) => rules.rules[position]!.id);
      const where = JSON.stringify(event.responseElements) + JSON.stringify(event.additionalEventData);
      assert.equal(rules.prefilter.decided, true, `not decided: ${where}`);
      assert.deepEqual(may, expected, where);
      assert.deepEqual(ids(rules.matches(event)), expected, where);
      document.release();
    }
  });

  it('lets through only the records some rule may match', () => {
    const rules = new RuleSet(defaultRules());
    let scanned = 0;
    let quiet = 0;
    let candidates = 0;
    let matching = 0;
    // Without the console sign-ins: nearly all of those are candidates, unlike a trail's records.
    for (const { fields, event } of built(SEED, false)) {
      if (fields.parsed) continue;
      scanned++;
      const may = rules.prefilter.mayMatch(fields).length > 0;
      if (may) candidates++;
      if (rules.matches(event).length > 0) matching++;
      else if (!may) quiet++;
    }
    // Nearly every record lets no rule through; the candidates are mostly records that match (the others
    // fail a condition on a value not handed over, e.g. a root sign-in with userIdentity.invokedBy).
    const counts = `${scanned} records, ${quiet} stopped, ${candidates} candidates, ${matching} matching`;
    assert.ok(quiet > 0.8 * scanned, counts);
    assert.ok(candidates < 3 * matching, counts);
  });
});
