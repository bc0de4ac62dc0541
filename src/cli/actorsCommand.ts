/** `cloudtrail-opensearch actors`: every principal seen, with counts and first/last seen. */
import { Command, Option } from 'commander';
import { addQueryOptions, FILTER_EXAMPLES, type FilterFlags } from './activityCommand.js';
import { QUERY_EXIT_CODES_HELP } from './exitCodes.js';
import type { Invocation } from './invocation.js';

/** The flags of `actors` and `services`. */
export interface ListFlags extends FilterFlags {
  json: boolean;
}

export function actorsCommand(invocation: Invocation): Command {
  const command = new Command('actors')
    .summary('list the principals seen, with counts and first/last seen')
    .description(
      'Every principal among the events that match the filters, named as a person would (an assumed role ' +
        'by its role ARN, an AWS service by its name, root, web-identity and SAML users as provider:user), ' +
        'most active first. Reads a composite aggregation page by page.',
    );
  addQueryOptions(command)
    .addOption(new Option('--json', 'print JSON').default(false))
    .addHelpText('after', `${FILTER_EXAMPLES}\n\n${QUERY_EXIT_CODES_HELP}`)
    .action(async (flags: ListFlags) => {
      const { runActors } = await import('./queryAction.js');
      invocation.exitCode = await runActors(flags, invocation);
    });
  return command;
}
