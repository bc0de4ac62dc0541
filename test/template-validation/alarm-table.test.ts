/**
 * docs/deploy.md's alarm table (section "Monitoring") against cloudformation.yml: every alarm of the template
 * has a row and every row an alarm, and each row's "Fires when" names the alarm's metric and its threshold
 * (the parameter that sets it, or the number).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadTemplate, ROOT, type Obj } from './helpers.js';

interface Row {
  readonly alarm: string;
  readonly firesWhen: string;
  readonly why: string;
}

/** The rows of the first table after the "## Monitoring" heading whose first column names an alarm. */
function alarmTable(markdown: string): Row[] {
  const section = /^## Monitoring\n([\s\S]*?)(?=^## )/m.exec(markdown)?.[1];
  assert.ok(section, 'docs/deploy.md has no "## Monitoring" section');
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const cells = /^\|(.*)\|\s*$/
      .exec(line)?.[1]
      ?.split('|')
      .map((cell) => cell.trim());
    const alarm = cells && /^`(\w+)`$/.exec(cells[0] ?? '')?.[1];
    if (cells && alarm) rows.push({ alarm, firesWhen: cells[1] ?? '', why: cells[2] ?? '' });
  }
  return rows;
}

function templateAlarms(): Map<string, Obj> {
  const alarms = new Map<string, Obj>();
  for (const [name, resource] of Object.entries(loadTemplate()['Resources'] as Obj))
    if (resource['Type'] === 'AWS::CloudWatch::Alarm') alarms.set(name, resource['Properties'] as Obj);
  return alarms;
}

describe('docs/deploy.md: the alarm table', function () {
  const rows = alarmTable(readFileSync(`${ROOT}docs/deploy.md`, 'utf8'));
  const alarms = templateAlarms();

  it('has one row per alarm of cloudformation.yml, and no other', function () {
    const documented = rows.map((row) => row.alarm);
    assert.equal(
      new Set(documented).size,
      documented.length,
      `a row appears twice: ${documented.join(', ')}`,
    );
    assert.deepEqual(
      [...alarms.keys()].filter((name) => !documented.includes(name)),
      [],
      'alarms with no row in the table',
    );
    assert.deepEqual(
      documented.filter((name) => !alarms.has(name)),
      [],
      'rows for alarms the template does not have',
    );
  });

  it("names each alarm's metric and threshold, and says why", function () {
    for (const row of rows) {
      const props = alarms.get(row.alarm);
      if (!props) continue;
      const metric = String(props['MetricName']);
      assert.ok(
        row.firesWhen.includes(`\`${metric}\``),
        `${row.alarm}: "${row.firesWhen}" does not name \`${metric}\``,
      );
      const threshold = props['Threshold'] as unknown;
      const parameter = (threshold as Obj | undefined)?.['Ref'] as string | undefined;
      const expected = parameter === undefined ? String(threshold) : `\`${parameter}\``;
      const pattern =
        parameter === undefined
          ? new RegExp(`(^|[^\\d.])${expected.replace('.', '\\.')}([^\\d]|$)`)
          : undefined;
      assert.ok(
        pattern ? pattern.test(row.firesWhen) : row.firesWhen.includes(expected),
        `${row.alarm}: "${row.firesWhen}" does not give the threshold ${expected}`,
      );
      assert.ok(row.why.length > 20, `${row.alarm}: the "Why" column is empty`);
    }
  });
});
