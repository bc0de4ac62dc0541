/**
 * The benchmark's baseline: gunzip + JSON.parse of each file + JSON.stringify of
 * every record, in process, no network: what a plain Node script does with the same files.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface BaselineRun {
  records: number;
  /** Uncompressed JSON bytes. */
  bytes: number;
  seconds: number;
  cpuSeconds: number;
}

export function runBaseline(files: string[]): BaselineRun {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let records = 0;
  let bytes = 0;
  for (const path of files) {
    const text = gunzipSync(readFileSync(path));
    bytes += text.length;
    const parsed = JSON.parse(text.toString('utf8')) as { Records: unknown[] };
    for (const record of parsed.Records) {
      JSON.stringify(record);
      records++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { records, bytes, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}
