/** Rules files: YAML and JSON read alike, and every mistake is named by rule and field. */
import { strict as assert } from 'node:assert';
import { AlertIds, alertOf, parsedTexts } from '../../src/alerts/alert.js';
import { RuleSet } from '../../src/alerts/match.js';
import { parseRules, RulesError } from '../../src/alerts/rules.js';

const YAML_RULES = `
rules:
  - id: deletes-by-ci
    title: CI deleted something
    severity: low
    match:
      all:
        - { field: eventName, prefix: Delete }
        - { field: userIdentity.arn, glob: "arn:aws:sts::*:assumed-role/ci-*" }
        - not: { field: errorCode, exists: true }
  - id: open-port
    title: Port opened
    severity: high
    match: { field: requestParameters.ipPermissions.items.fromPort, in: [22, 3389] }
    dedup: { key: [userIdentity.arn], window: 1h }
`;

function refusal(text: string, name = 'rules.yaml'): string {
  try {
    parseRules(text, name);
  } catch (error) {
    assert.ok(error instanceof RulesError, String(error));
    return error.message;
  }
  assert.fail('the rules were accepted');
}

describe('alerts: rules files', () => {
  it('reads YAML rules and matches typed fields, free-form paths across arrays, glob, prefix, not and in', () => {
    const rules = new RuleSet(parseRules(YAML_RULES, 'rules.yaml'));
    const ciDelete = {
      eventName: 'DeleteBucket',
      userIdentity: { arn: 'arn:aws:sts::111122223333:assumed-role/ci-deploy/run-7' },
    };
    assert.deepEqual(
      rules.matches(ciDelete).map((r) => r.id),
      ['deletes-by-ci'],
    );
    assert.deepEqual(rules.matches({ ...ciDelete, errorCode: 'AccessDenied' }), []);
    assert.deepEqual(rules.matches({ ...ciDelete, eventName: 'PutObject' }), []);
    const ssh = {
      eventName: 'AuthorizeSecurityGroupIngress',
      requestParameters: { ipPermissions: { items: [{ fromPort: 443 }, { fromPort: 22 }] } },
    };
    assert.deepEqual(
      rules.matches(ssh).map((r) => r.id),
      ['open-port'],
    );
  });

  it('reads the same rules from JSON', () => {
    const json = JSON.stringify({
      rules: [{ id: 'x', title: 'X', severity: 'info', match: { field: 'eventName', equals: 'X' } }],
    });
    assert.equal(parseRules(json, 'rules.json')[0]?.id, 'x');
  });

  it('names the rule and the field of each mistake', () => {
    const message = refusal(`
rules:
  - id: good
    title: Good
    severity: low
    match: { field: eventName, equals: A }
  - id: bad-severity
    title: T
    severity: urgent
    match: { field: eventName, equals: A }
  - id: bad-operator
    title: T
    severity: low
    match: { all: [ { field: eventName, matches: "A.*" } ] }
  - title: no id
    severity: low
    match: { field: eventName, equals: A }
  - id: bad-window
    title: T
    severity: low
    match: { field: eventName, equals: A }
    dedup: { key: [userIdentity.arn], window: forever }
`);
    assert.match(
      message,
      /rules\.yaml: rule "bad-severity": severity: expected one of info, low, medium, high, critical/,
    );
    assert.match(message, /rule "bad-operator": match\.all\[0\]\.matches: unknown operator/);
    assert.match(message, /rule #4: id: expected/);
    assert.match(message, /rule "bad-window": dedup\.window: expected a duration/);
    assert.doesNotMatch(message, /"good"/);
  });

  it('refuses a file that is not YAML, has no rules list, or repeats an id', () => {
    assert.match(refusal('rules: [ {'), /rules\.yaml: not valid YAML or JSON/);
    assert.match(refusal('alerts: []'), /expected a top-level "rules" list/);
    const twice = `rules:\n${'  - { id: a, title: A, severity: low, match: { field: eventName, equals: A } }\n'.repeat(2)}`;
    assert.match(refusal(twice), /rule "a": id: "a" is used by an earlier rule too/);
  });

  it("gives a dedup key and window one alert id, whatever else a file's alerts shared", () => {
    const [hourly, daily] = parseRules(
      `
rules:
  - { id: hourly, title: H, severity: low, match: { field: eventName, equals: A }, dedup: { key: [userIdentity.arn], window: 1h } }
  - { id: daily, title: D, severity: low, match: { field: eventName, equals: A }, dedup: { key: [userIdentity.arn], window: 1d } }
`,
      'windows.yaml',
    );
    const place = { source: 'f', recordIndex: 0, index: 'cloudtrail-x', documentId: 'd' };
    const event = (time: string, arn: string) =>
      parsedTexts({ eventName: 'A', eventTime: time, userIdentity: { arn } });
    // One file's alerts (one AlertIds), in an order that switches rule, window and key back and forth.
    const seen = [
      [hourly!, event('2026-01-15T10:20:00Z', 'arn:a')],
      [daily!, event('2026-01-15T10:20:00Z', 'arn:a')],
      [hourly!, event('2026-01-15T11:05:00Z', 'arn:a')],
      [hourly!, event('2026-01-15T11:05:00Z', 'arn:b')],
      [daily!, event('2026-01-15T23:59:59Z', 'arn:a')],
      [hourly!, event('2026-01-15T10:59:59Z', 'arn:a')],
    ] as const;
    const shared = new AlertIds();
    const ids = seen.map(([rule, texts]) => alertOf(rule, texts, place, shared).id);
    // Each the same as made on its own.
    assert.deepEqual(
      ids,
      seen.map(([rule, texts]) => alertOf(rule, texts, place).id),
    );
    assert.match(ids[0]!, /^hourly:[0-9a-f]{16}:2026-01-15T10:00:00\.000Z$/);
    assert.match(ids[1]!, /^daily:[0-9a-f]{16}:2026-01-15T00:00:00\.000Z$/);
    assert.equal(ids[5], ids[0]); // same key, same hour
    assert.equal(ids[4], ids[1]); // same key, same day
    assert.equal(new Set(ids).size, 4);
  });
});
