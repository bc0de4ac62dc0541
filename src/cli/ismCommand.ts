/** `cloudtrail-opensearch install-ism`: the in-cluster alternative to the cleanup (ISM policy). */
import { Command, Option } from 'commander';
import { EXIT_CODES_HELP } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { addConnectionOptions, requireOptions, wholeNumber, type ConnectionFlags } from './options.js';

export interface IsmFlags extends ConnectionFlags {
  keepDays: number;
  policyId?: string;
}

export function ismCommand(invocation: Invocation): Command {
  const command = new Command('install-ism')
    .summary('install the equivalent Index State Management policy in the cluster')
    .description(
      'Install an ISM policy that deletes daily indices --keep-days days after their creation, and attach ' +
        'it to the existing ones. ISM ages indices by creation date, so back-filled days live longer than ' +
        'with the cleanup command (see docs/cleanup.md).',
    );
  addConnectionOptions(command);
  requireOptions(
    command,
    new Option('--keep-days <days>', 'days after its creation an index is deleted').argParser(
      wholeNumber(1, 36_500),
    ),
  )
    .addOption(new Option('--policy-id <id>', 'the policy id (default: PREFIXretention)'))
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .action(async (flags: IsmFlags) => {
      const { runIsm } = await import('./ismAction.js');
      invocation.exitCode = await runIsm(flags, invocation);
    });
  return command;
}
