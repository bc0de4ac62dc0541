/** `cloudtrail-opensearch services`: every AWS service called, with counts and first/last seen. */
import { Command, Option } from 'commander';
import { seenRows, table } from '../query/format.js';
import {
  addQueryOptions,
  FILTER_EXAMPLES,
  filtersOf,
  withQueryService,
  type FilterFlags,
} from './activityCommand.js';
import { EXIT_CODES_HELP } from './exitCodes.js';
import type { Invocation } from './invocation.js';

interface ListFlags extends FilterFlags {
  json: boolean;
}

export function servicesCommand(invocation: Invocation): Command {
  const command = new Command('services')
    .summary('list the AWS services called, with counts and first/last seen')
    .description(
      'Every event source among the events that match the filters, most called first. Reads a composite ' +
        'aggregation page by page.',
    );
  addQueryOptions(command)
    .addOption(new Option('--json', 'print JSON').default(false))
    .addHelpText('after', `${FILTER_EXAMPLES}\n\n${EXIT_CODES_HELP}`)
    .action(async (flags: ListFlags) => {
      invocation.exitCode = await withQueryService(flags, invocation, async (service) => {
        const services = await service.services(filtersOf(flags));
        if (flags.json) process.stdout.write(JSON.stringify(services, null, 2) + '\n');
        else
          process.stdout.write(table(['SERVICE', 'EVENTS', 'FIRST SEEN', 'LAST SEEN'], seenRows(services)));
      });
    });
  return command;
}
