/** What `cloudtrail-opensearch generate` does once its options are parsed (loaded only when it runs). */
import { generateCloudTrail } from '../generator/generate.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import type { GenerateFlags } from './generateCommand.js';

export async function runGenerate(flags: GenerateFlags): Promise<ExitCode> {
  const result = await generateCloudTrail({
    outDir: flags.out,
    records: flags.records,
    perFile: flags.perFile,
    seed: flags.seed,
    days: flags.days,
    start: flags.start,
    sourceDir: flags.source,
  });
  process.stdout.write(
    `wrote ${result.records} records in ${result.files.length} files (${(result.uncompressedBytes / 1048576).toFixed(1)} MiB uncompressed)\n`,
  );
  return EXIT.ok;
}
