/**
 * The built-in pack: every rule matches its event and not its near miss (fixtures/packEvents.ts), through
 * the same prefilter and matcher the indexer uses; and on every sample event the prefilter never turns
 * away an event the rules match.
 */
import { strict as assert } from 'node:assert';
import { defaultRules } from '../../src/alerts/defaultPack.js';
import { RuleSet } from '../../src/alerts/match.js';
import { allSampleRecords, packCases, type Event } from './fixtures/packEvents.js';

function matchedIds(rules: RuleSet, event: Event): string[] {
  if (!rules.isCandidate(Buffer.from(JSON.stringify(event)))) return [];
  return rules.matches(event).map((rule) => rule.id);
}

describe('alerts: the built-in rule pack', () => {
  const rules = new RuleSet(defaultRules());
  const cases = packCases();

  it('has a matching and a non-matching event for every rule', () => {
    assert.deepEqual(
      cases.map((c) => c.rule).sort(),
      defaultRules()
        .map((rule) => rule.id)
        .sort(),
    );
  });

  for (const { rule, match, miss } of cases) {
    it(`${rule}: matches ${String(match.eventName)} (${String(match.eventID)}), not its near miss`, () => {
      assert.ok(
        matchedIds(rules, match).includes(rule),
        `expected ${rule} in ${matchedIds(rules, match).join(', ')}`,
      );
      assert.ok(
        !matchedIds(rules, miss).includes(rule),
        `${rule} must not match ${JSON.stringify(miss).slice(0, 300)}`,
      );
    });
  }

  it('the prefilter lets through every sample event some rule matches', () => {
    let matched = 0;
    let skipped = 0;
    for (const record of allSampleRecords()) {
      const hits = rules.matches(record);
      matched += hits.length > 0 ? 1 : 0;
      if (!rules.isCandidate(Buffer.from(JSON.stringify(record)))) {
        skipped++;
        assert.deepEqual(
          hits.map((rule) => rule.id),
          [],
          `prefilter dropped ${String(record.eventID)}`,
        );
      }
    }
    assert.ok(matched > 40, `matched ${matched}`);
    assert.ok(skipped > 1000, `the prefilter should turn away most events (skipped ${skipped})`);
  });
});
