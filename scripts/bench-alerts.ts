/**
 * `node build/scripts/bench-alerts.js DIR [--files N] [--rounds R]`: CPU per record of the alerts'
 * matching with the built-in rules (src/alerts/match.ts), on the records of the log files in DIR: the
 * prefilter alone, prefilter plus parse and match of the candidates, and for scale a `JSON.parse` of
 * every record. Prints one JSON line per round.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { defaultRules } from '../src/alerts/defaultPack.js';
import { RuleSet } from '../src/alerts/match.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { files: { type: 'string', default: '60' }, rounds: { type: 'string', default: '3' } },
});
const dir = positionals[0];
if (dir === undefined) throw new Error('usage: bench-alerts.js DIR [--files N] [--rounds R]');

const records: Buffer[] = [];
const names = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.json.gz'))
  .sort()
  .slice(0, Number(values.files));
for (const name of names) {
  const file = JSON.parse(gunzipSync(readFileSync(join(dir, name))).toString('utf8')) as {
    Records: unknown[];
  };
  for (const record of file.Records) records.push(Buffer.from(JSON.stringify(record)));
}

const rules = new RuleSet(defaultRules());
const microsPerRecord = (run: () => void): number => {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return Number(((used.user + used.system) / records.length).toFixed(3));
};

for (let round = 0; round < Number(values.rounds); round++) {
  let candidates = 0;
  let matched = 0;
  const prefilterMicros = microsPerRecord(() => {
    for (const raw of records) if (rules.isCandidate(raw)) candidates++;
  });
  const matchingMicros = microsPerRecord(() => {
    for (const raw of records) {
      if (!rules.isCandidate(raw)) continue;
      if (rules.matches(JSON.parse(raw.toString('utf8')) as Record<string, unknown>).length > 0) matched++;
    }
  });
  const parseEveryRecordMicros = microsPerRecord(() => {
    for (const raw of records) JSON.parse(raw.toString('utf8'));
  });
  console.log(
    JSON.stringify({
      records: records.length,
      candidates,
      matched,
      prefilterMicros,
      matchingMicros,
      parseEveryRecordMicros,
    }),
  );
}
