/** `cloudtrail-opensearch install-ism`: the in-cluster alternative to the cleanup (ISM policy). */
import { Command, Option } from 'commander';
import { installIsmPolicy } from '../cleanup/ism.js';
import { checkEndpoint, connect } from './connection.js';
import { EXIT, EXIT_CODES_HELP, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { addConnectionOptions, requireOptions, wholeNumber, type ConnectionFlags } from './options.js';

interface IsmFlags extends ConnectionFlags {
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
      invocation.exitCode = await runIsm(flags, invocation);
    });
  return command;
}

async function runIsm(flags: IsmFlags, invocation: Invocation): Promise<ExitCode> {
  const connected = connect(flags, invocation);
  try {
    await checkEndpoint(connected, invocation);
    const result = await installIsmPolicy(connected.client, {
      requestTimeoutMs: flags.requestTimeout,
      prefix: connected.indexPrefix,
      keepDays: flags.keepDays,
      policyId: flags.policyId,
    });
    const state = result.created ? 'created' : result.updated ? 'updated' : 'unchanged';
    process.stdout.write(
      `ISM policy ${result.policyId}: ${state}; attached to ${result.attachedIndices} existing indices\n`,
    );
    return EXIT.ok;
  } finally {
    await connected.client.close();
  }
}
