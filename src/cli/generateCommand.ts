/** `cloudtrail-opensearch generate`: realistic CloudTrail files for benchmarks and load tests. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { SAMPLES_DIR } from './demoCommand.js';
import type { Invocation } from './invocation.js';
import { positiveNumber, requireOptions, wholeNumber } from './options.js';

export interface GenerateFlags {
  out: string;
  records: number;
  perFile: number;
  seed: string;
  days: number;
  start: string;
  source: string;
}

export function generateCommand(invocation: Invocation): Command {
  const command = new Command('generate')
    .summary('write realistic CloudTrail log files (from the bundled samples)')
    .description(
      'Write gzipped CloudTrail log files in the layout CloudTrail uses, with events made from the sample ' +
        'events (fresh eventIDs, times spread over --days). The same --seed writes the same files.',
    );
  return requireOptions(
    command,
    new Option('--out <dir>', 'directory to write the files into'),
    new Option('--records <n>', 'events to write').argParser(wholeNumber(1)),
  )
    .addOption(new Option('--per-file <n>', 'events per file').argParser(wholeNumber(1)).default(500))
    .addOption(new Option('--seed <text>', 'seed of the random draws').default('1'))
    .addOption(
      new Option('--days <n>', 'days the event times are spread over (fractions allowed)')
        .argParser(positiveNumber('days'))
        .default(1),
    )
    .addOption(
      new Option('--start <date>', 'time of the first event (ISO 8601)')
        .argParser(isoDate)
        .default('2024-01-01T00:00:00Z'),
    )
    .addOption(
      new Option('--source <dir>', 'directory of CloudTrail files to draw events from').default(
        SAMPLES_DIR,
        'the bundled samples',
      ),
    )
    .action(async (flags: GenerateFlags) => {
      const { runGenerate } = await import('./generateAction.js');
      invocation.exitCode = await runGenerate(flags);
    });
}

function isoDate(value: string): string {
  if (Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('Expected an ISO 8601 date, e.g. 2024-01-01T00:00:00Z.');
  return value;
}
