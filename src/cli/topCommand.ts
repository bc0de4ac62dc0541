/** `cloudtrail-opensearch top --by FIELD`: the most frequent values of one field. */
import { Command, Option } from 'commander';
import { FIELD_SHORTCUTS, TOP_SIZE_MAX } from '../query/fields.js';
import { addQueryOptions, FILTER_EXAMPLES, type FilterFlags } from './activityCommand.js';
import { QUERY_EXIT_CODES_HELP } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { requireOptions, wholeNumber } from './options.js';

export interface TopFlags extends FilterFlags {
  by: string;
  size: number;
  json: boolean;
}

export function topCommand(invocation: Invocation): Command {
  const command = new Command('top')
    .summary('the most frequent values of a field (--by), with counts')
    .description(
      `The --size most frequent values of --by among the events that match the filters. --by takes any ` +
        `aggregatable field of the index template (docs/field-model.md) or a short name: ` +
        Object.entries(FIELD_SHORTCUTS)
          .map(([short, field]) => `${short} (${field})`)
          .join(', ') +
        '.',
    );
  addQueryOptions(command);
  requireOptions(command, new Option('--by <field>', 'the field to count values of'))
    .addOption(
      new Option('--size <n>', `how many values (at most ${TOP_SIZE_MAX})`)
        .argParser(wholeNumber(1, TOP_SIZE_MAX))
        .default(10),
    )
    .addOption(new Option('--json', 'print JSON').default(false))
    .addHelpText(
      'after',
      `${FILTER_EXAMPLES}\n  cloudtrail-opensearch top --by event --errors\n\n${QUERY_EXIT_CODES_HELP}`,
    )
    .action(async (flags: TopFlags) => {
      const { runTop } = await import('./queryAction.js');
      invocation.exitCode = await runTop(flags, invocation);
    });
  return command;
}
