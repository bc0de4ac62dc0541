/**
 * Generates realistic CloudTrail log files for benchmarks and tests from real sample events: each
 * generated record is a sample record with a fresh eventID (uuid v4) and an eventTime spread over the
 * chosen window. Files follow CloudTrail's S3 key layout and are written as streams, so a single file
 * of several GiB needs no more memory than a small one.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { createGzip, gunzipSync } from 'node:zlib';
import { walkFiles } from '../source/local.js';
import { randomUuid, seededRandom } from '../util/random.js';

export interface GenerateOptions {
  /** Directory of real CloudTrail `.json.gz` files to sample from. */
  sourceDir: string;
  outDir: string;
  records: number;
  /** Records per file (default 500, close to what busy trails deliver every 5 minutes). */
  perFile?: number;
  seed?: string;
  /** eventTimes are spread evenly over this many days from `start` (default 1). */
  days?: number;
  start?: string;
  gzipLevel?: number;
}

export interface GenerateResult {
  files: string[];
  records: number;
  uncompressedBytes: number;
}

type Template = Record<string, unknown>;

export async function loadTemplates(sourceDir: string): Promise<Template[]> {
  const templates: Template[] = [];
  for await (const file of walkFiles([sourceDir])) {
    if (!file.path.endsWith('.json.gz') || !file.path.includes('_CloudTrail_')) continue;
    const parsed = JSON.parse(gunzipSync(await readFile(file.path)).toString('utf8')) as {
      Records?: Template[];
    };
    templates.push(...(parsed.Records ?? []));
  }
  if (templates.length === 0) throw new Error(`${sourceDir}: no CloudTrail records found to generate from`);
  return templates;
}

export async function generateCloudTrail(options: GenerateOptions): Promise<GenerateResult> {
  const perFile = options.perFile ?? 500;
  const random = seededRandom(options.seed ?? '1');
  const startMs = Date.parse(options.start ?? '2024-01-01T00:00:00Z');
  if (Number.isNaN(startMs)) throw new Error(`start ${options.start}: not an ISO date`);
  const windowMs = (options.days ?? 1) * 86_400_000;
  const templates = await loadTemplates(options.sourceDir);
  const result: GenerateResult = { files: [], records: 0, uncompressedBytes: 0 };

  for (let first = 0; first < options.records; first += perFile) {
    const count = Math.min(perFile, options.records - first);
    const template = templates[Math.floor(random() * templates.length)]!;
    const lastMs = startMs + Math.floor(((first + count - 1) / options.records) * windowMs);
    const key = logFileKey(template, lastMs, random);
    const path = join(options.outDir, key);
    await mkdir(dirname(path), { recursive: true });
    const gzip = createGzip({ level: options.gzipLevel ?? 6 });
    const done = once(gzip.pipe(createWriteStream(path)), 'finish');
    const write = async (text: string) => {
      result.uncompressedBytes += Buffer.byteLength(text);
      if (!gzip.write(text)) await once(gzip, 'drain');
    };
    await write('{"Records":[');
    for (let i = 0; i < count; i++) {
      const n = first + i;
      const record = { ...templates[Math.floor(random() * templates.length)]! };
      record.eventID = randomUuid(random);
      record.eventTime = new Date(startMs + Math.floor((n / options.records) * windowMs))
        .toISOString()
        .replace('.000Z', 'Z');
      await write((i === 0 ? '' : ',') + JSON.stringify(record));
    }
    await write(']}');
    gzip.end();
    await done;
    result.files.push(path);
    result.records += count;
  }
  return result;
}

/** `AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_RANDOM16.json.gz` */
function logFileKey(template: Template, lastEventMs: number, random: () => number): string {
  const account = /^\d{12}$/.test(String(template.recipientAccountId))
    ? String(template.recipientAccountId)
    : '111122223333';
  const region = /^[a-z]{2}(-[a-z]+)+-\d$/.test(String(template.awsRegion))
    ? String(template.awsRegion)
    : 'us-east-1';
  // CloudTrail names a file after the 5-minute mark following its newest event.
  const fileTime = new Date(Math.ceil((lastEventMs + 1) / 300_000) * 300_000).toISOString();
  const [date] = fileTime.split('T') as [string];
  const stamp = fileTime.slice(0, 16).replace(/[-:]/g, '') + 'Z';
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let suffix = '';
  for (let i = 0; i < 16; i++) suffix += alphabet[Math.floor(random() * alphabet.length)];
  return `AWSLogs/${account}/CloudTrail/${region}/${date.replace(/-/g, '/')}/${account}_CloudTrail_${region}_${stamp}_${suffix}.json.gz`;
}
