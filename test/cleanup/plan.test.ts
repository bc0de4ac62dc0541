import assert from 'node:assert/strict';
import { CleanupConfigError } from '../../src/cleanup/errors.js';
import { parseDailyIndexName, planRetention } from '../../src/cleanup/plan.js';
import { DISTRACTORS, dailyNames } from './helpers/names.js';

const P = 'cloudtrail-';
const at = (iso: string) => Date.parse(iso);
const dateOf = (name: string) => name.slice(P.length);
const plan = (names: string[], keepDays: number, nowIso: string, maxDeletions = 10_000, protect?: string[]) =>
  planRetention(names, { prefix: P, keepDays, maxDeletions, nowMs: at(nowIso), protect });

describe('cleanup: parseDailyIndexName', () => {
  const cases: [string, string | undefined][] = [
    ['cloudtrail-2024-02-29', '2024-02-29'],
    ['cloudtrail-2000-02-29', '2000-02-29'],
    ['cloudtrail-2024-12-31', '2024-12-31'],
    ['cloudtrail-2023-02-29', undefined],
    ['cloudtrail-1900-02-29', undefined],
    ['cloudtrail-2024-13-45', undefined],
    ['cloudtrail-2024-04-31', undefined],
    ['cloudtrail-2024-01-00', undefined],
    ['cloudtrail-0000-01-01', undefined],
    ['cloudtrail-2024-01-01-restored', undefined],
    ['cloudtrail-20240101', undefined],
    ['cloudtrail-2024-1-01', undefined],
    ['cloudtrail-deadletter', undefined],
    ['Cloudtrail-2024-01-01', undefined],
    ['.ds-cloudtrail-2024-01-01-000001', undefined],
    ['cloudtrail-２０２４-01-01', undefined],
    [' cloudtrail-2024-01-01', undefined],
    ['cloudtrail-2024-01-01\n', undefined],
  ];
  for (const [name, expected] of cases) {
    it(`${JSON.stringify(name)} → ${String(expected)}`, () => {
      assert.equal(parseDailyIndexName(name, P), expected);
    });
  }
  it('uses the prefix it is given', () => {
    assert.equal(parseDailyIndexName('logs-2024-01-01', 'logs-'), '2024-01-01');
    assert.equal(parseDailyIndexName('logs-2024-01-01', P), undefined);
  });
});

describe('cleanup: planRetention deletes exactly the days on or before today − N', () => {
  // 400 consecutive days ending three days in the future, plus every distractor.
  const scenarios: { now: string; keepDays: number; cutoff: string; today: string }[] = [
    { now: '2024-03-01T00:00:00.000Z', keepDays: 1, today: '2024-03-01', cutoff: '2024-02-29' }, // leap day
    { now: '2024-03-01T12:00:00.000Z', keepDays: 30, today: '2024-03-01', cutoff: '2024-01-31' },
    { now: '2024-02-29T23:59:59.999Z', keepDays: 7, today: '2024-02-29', cutoff: '2024-02-22' },
    { now: '2025-01-01T00:00:00.000Z', keepDays: 1, today: '2025-01-01', cutoff: '2024-12-31' }, // year boundary
    { now: '2024-12-31T23:59:59.999Z', keepDays: 7, today: '2024-12-31', cutoff: '2024-12-24' },
    { now: '2025-03-01T06:00:00.000Z', keepDays: 365, today: '2025-03-01', cutoff: '2024-03-01' },
    { now: '2024-08-01T00:00:01.000Z', keepDays: 90, today: '2024-08-01', cutoff: '2024-05-03' }, // month boundary
  ];
  for (const s of scenarios) {
    it(`today ${s.today}, keep ${s.keepDays} → deletes up to ${s.cutoff}`, () => {
      const firstDay = new Date(at(`${s.today}T00:00:00Z`) - 396 * 86_400_000).toISOString().slice(0, 10);
      const daily = dailyNames(P, firstDay, 400);
      const result = plan([...DISTRACTORS, ...daily].reverse(), s.keepDays, s.now);

      assert.equal(result.today, s.today);
      assert.equal(result.cutoff, s.cutoff);
      assert.deepEqual(
        result.toDelete,
        daily.filter((n) => dateOf(n) <= s.cutoff),
      );
      assert.deepEqual(
        result.kept,
        daily.filter((n) => dateOf(n) > s.cutoff),
      );
      // N calendar days counting today, plus the three future days.
      assert.equal(result.kept.length, s.keepDays + 3);
      assert.ok(result.kept.includes(P + s.today));
      assert.deepEqual(result.deferred, []);
      assert.deepEqual(result.skipped.map((entry) => entry.index).sort(), [...DISTRACTORS].sort());
    });
  }

  it('a gap day does not stretch retention and a stray name does not shorten it', () => {
    const daily = dailyNames(P, '2024-01-01', 60).filter((n) => !n.startsWith(P + '2024-02-1')); // 10-day gap
    const result = plan(
      [...daily, 'cloudtrail-2024-02-29-restored', 'cloudtrail-9999-99-99'],
      14,
      '2024-02-29T10:00:00Z',
    );
    assert.equal(result.cutoff, '2024-02-15');
    assert.deepEqual(
      result.toDelete,
      daily.filter((n) => dateOf(n) <= '2024-02-15'),
    );
    assert.deepEqual(result.kept, dailyNames(P, '2024-02-20', 10));
  });

  it('gives every skipped name a reason, and warns-not-aborts on invalid dates', () => {
    const result = plan([...DISTRACTORS, 'cloudtrail-2020-01-01'], 1, '2024-01-01T00:00:00Z');
    assert.deepEqual(result.toDelete, ['cloudtrail-2020-01-01']);
    const reason = (index: string) => result.skipped.find((entry) => entry.index === index)?.reason;
    assert.match(reason('cloudtrail-2024-13-45')!, /not a real calendar date/);
    assert.match(reason('cloudtrail-2023-02-29')!, /not a real calendar date/);
    assert.match(reason('cloudtrail-2024-01-01-restored')!, /-restored/);
    assert.match(reason('cloudtrail-deadletter')!, /not a date/);
    assert.match(reason('.kibana_1')!, /system or hidden/);
    assert.match(reason('other-2020-01-01')!, /does not start with "cloudtrail-"/);
    for (const entry of result.skipped) assert.ok(entry.reason.length > 0, entry.index);
  });

  it('accounts for every input name exactly once, even with duplicates', () => {
    const names = [...dailyNames(P, '2023-01-01', 500), ...DISTRACTORS];
    const result = plan([...names, ...names.slice(0, 50)], 30, '2024-03-15T00:00:00Z', 100);
    const all = [
      ...result.toDelete,
      ...result.deferred,
      ...result.kept,
      ...result.skipped.map((s) => s.index),
    ];
    assert.deepEqual([...all].sort(), [...names].sort());
  });

  it('returns an empty plan for an empty cluster', () => {
    assert.deepEqual(plan([], 30, '2024-03-15T00:00:00Z'), {
      today: '2024-03-15',
      cutoff: '2024-02-14',
      toDelete: [],
      kept: [],
      skipped: [],
      deferred: [],
    });
  });
});

describe('cleanup: planRetention guards', () => {
  const daily = dailyNames(P, '2023-06-01', 400);

  for (const keepDays of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`rejects keepDays ${keepDays} with a message naming the option`, () => {
      assert.throws(
        () => plan(daily, keepDays, '2024-03-01T00:00:00Z'),
        (err: unknown) => err instanceof CleanupConfigError && /keepDays/.test(err.message),
      );
    });
  }

  for (const maxDeletions of [0, -5, 2.5]) {
    it(`rejects maxDeletions ${maxDeletions} with a message naming the option`, () => {
      assert.throws(
        () => plan(daily, 30, '2024-03-01T00:00:00Z', maxDeletions),
        (err: unknown) => err instanceof CleanupConfigError && /maxDeletions/.test(err.message),
      );
    });
  }

  for (const prefix of ['cloudtrail-*', 'a,b', 'Cloudtrail-', 'cloud trail-']) {
    it(`rejects prefix ${JSON.stringify(prefix)} (it could widen a DELETE)`, () => {
      assert.throws(
        () =>
          planRetention(daily, { prefix, keepDays: 30, maxDeletions: 10, nowMs: at('2024-03-01T00:00:00Z') }),
        (err: unknown) => err instanceof CleanupConfigError && /prefix/.test(err.message),
      );
    });
  }

  it("never deletes today's or a future-dated index, at any time of any day", () => {
    const names = dailyNames(P, '2023-01-01', 1200);
    // Every hour-ish across ~3 years, including the 2024 leap day, with the smallest keepDays.
    for (let ms = at('2023-06-01T00:00:00Z'); ms < at('2025-12-31T00:00:00Z'); ms += 7 * 3_600_000 + 1_234) {
      const today = new Date(ms).toISOString().slice(0, 10);
      const result = planRetention(names, { prefix: P, keepDays: 1, maxDeletions: 10_000, nowMs: ms });
      const newestDeleted = result.toDelete.at(-1);
      assert.ok(newestDeleted === undefined || dateOf(newestDeleted) < today, `${today}: ${newestDeleted}`);
      assert.ok(result.kept.includes(P + today));
      assert.ok(result.kept.every((name) => dateOf(name) >= today));
    }
  });

  it('above maxDeletions deletes the oldest up to the maximum and defers the rest', () => {
    const result = plan(daily, 30, '2024-07-01T00:00:00Z', 25);
    const old = daily.filter((n) => dateOf(n) <= '2024-06-01');
    assert.equal(old.length, 367);
    assert.deepEqual(result.toDelete, old.slice(0, 25));
    assert.deepEqual(result.toDelete[0], 'cloudtrail-2023-06-01');
    assert.deepEqual(result.deferred, old.slice(25));
  });

  it('never deletes a protected name even when it looks like an old daily index', () => {
    const result = plan(daily, 30, '2024-07-01T00:00:00Z', 10_000, ['cloudtrail-2023-06-02']);
    assert.ok(!result.toDelete.includes('cloudtrail-2023-06-02'));
    assert.deepEqual(result.skipped, [{ index: 'cloudtrail-2023-06-02', reason: 'protected' }]);
  });
});
