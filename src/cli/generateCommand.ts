/** `cloudtrail-opensearch generate`: realistic CloudTrail files for benchmarks and load tests. */
import { generateCloudTrail } from '../generator/generate.js';
import { integerFlag, parse, requiredString } from './args.js';
import { SAMPLES_DIR } from './demoCommand.js';

export async function generateCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    out: { type: 'string' },
    records: { type: 'string' },
    'per-file': { type: 'string' },
    seed: { type: 'string' },
    days: { type: 'string' },
    start: { type: 'string' },
    source: { type: 'string' },
  });
  const days = values.days === undefined ? 1 : Number(values.days);
  if (!(days > 0)) throw new Error(`--days ${values.days}: expected a positive number`);
  const result = await generateCloudTrail({
    outDir: requiredString(values, 'out', 'the directory to write the files into'),
    records: integerFlag(values, 'records', undefined, 1),
    perFile: integerFlag(values, 'per-file', 500, 1),
    seed: values.seed,
    days,
    start: values.start,
    sourceDir: values.source ?? SAMPLES_DIR,
  });
  process.stdout.write(
    `wrote ${result.records} records in ${result.files.length} files (${(result.uncompressedBytes / 1048576).toFixed(1)} MiB uncompressed)\n`,
  );
  return 0;
}
