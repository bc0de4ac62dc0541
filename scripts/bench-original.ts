/**
 * A small model of the original loader's design, for the cost table: each file read whole into memory,
 * gunzipped whole, parsed whole, and sent as one bulk request of every record (`index` action, `_id` =
 * eventID, the record as its own `_source`, nothing derived), files one after another.
 *
 * `node build/scripts/bench-original.js DIR --endpoint URL` prints one JSON line: records, bulk bytes sent,
 * CPU seconds and the process's peak RSS. Run it in a fresh process with the indexer's V8 options (as
 * bench-cost.ts does), against the bench sink.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { walkFiles } from '../src/source/local.js';

interface CloudTrailRecord {
  eventTime?: string;
  eventID?: string;
}

/** One POST of the whole body; resolves once the answer has been read. */
function post(url: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const sent = request(
      `${url}/_bulk`,
      { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, timeout: 60_000 },
      (response) => {
        response.on('data', () => undefined);
        response.on('end', resolve);
      },
    );
    sent.on('timeout', () => sent.destroy(new Error('bulk request timed out')));
    sent.on('error', reject);
    sent.end(body);
  });
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { endpoint: { type: 'string' } },
  });
  const cpu = process.cpuUsage();
  let records = 0;
  let bulkBytes = 0;
  for await (const file of walkFiles([positionals[0]!])) {
    if (!file.path.endsWith('.json.gz')) continue;
    const parsed = JSON.parse(gunzipSync(readFileSync(file.path)).toString('utf8')) as {
      Records: CloudTrailRecord[];
    };
    const lines: string[] = [];
    for (const record of parsed.Records) {
      const index = `cloudtrail-${(record.eventTime ?? '').slice(0, 10)}`;
      lines.push(JSON.stringify({ index: { _index: index, _id: record.eventID } }), JSON.stringify(record));
    }
    const body = Buffer.from(lines.join('\n') + '\n', 'utf8');
    records += parsed.Records.length;
    bulkBytes += body.length;
    if (values.endpoint) await post(values.endpoint, body);
  }
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      records,
      bulkBytes,
      cpuSeconds: (used.user + used.system) / 1e6,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

await main();
