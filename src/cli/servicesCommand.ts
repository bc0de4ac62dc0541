/** `cloudtrail-opensearch services`: every AWS service called, with counts and first/last seen. */
import { Command, Option } from 'commander';
import { addQueryOptions, FILTER_EXAMPLES } from './activityCommand.js';
import type { ListFlags } from './actorsCommand.js';
import { QUERY_EXIT_CODES_HELP } from './exitCodes.js';
import type { Invocation } from './invocation.js';

export function servicesCommand(invocation: Invocation): Command {
  const command = new Command('services')
    .summary('list the AWS services called, with counts and first/last seen')
    .description(
      'Every event source among the events that match the filters, most called first. Reads a composite ' +
        'aggregation page by page.',
    );
  addQueryOptions(command)
    .addOption(new Option('--json', 'print JSON').default(false))
    .addHelpText('after', `${FILTER_EXAMPLES}\n\n${QUERY_EXIT_CODES_HELP}`)
    .action(async (flags: ListFlags) => {
      const { runServices } = await import('./queryAction.js');
      invocation.exitCode = await runServices(flags, invocation);
    });
  return command;
}
