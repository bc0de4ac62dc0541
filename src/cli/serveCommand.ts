/** `cloudtrail-opensearch serve`: the read-only query API (src/api) on local HTTP, until stopped. */
import { Command, Option } from 'commander';
import { SERVE_EXIT_CODES_HELP } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { addConnectionOptions, portNumber, type ConnectionFlags } from './options.js';

export interface ServeFlags extends ConnectionFlags {
  port: number;
  host: string;
}

export function serveCommand(invocation: Invocation): Command {
  const command = new Command('serve')
    .summary('serve the read-only query API (JSON over HTTP) until Ctrl-C')
    .description(
      'Answer GET /users, /users/{name}, /services, /services/{service}, /events and /top with JSON, ' +
        'filtered as the activity command filters (from, to, eventName, param&value, actor, accessKey, ip, ' +
        'errors, writes, account, region, …), event lists paged with a next cursor. Only _search requests ' +
        'reach the cluster. See docs/queries.md.',
    );
  addConnectionOptions(command)
    .addOption(
      new Option('--port <port>', 'port to listen on (0 picks a free one)')
        .argParser(portNumber)
        .default(8080),
    )
    .addOption(new Option('--host <address>', 'interface to listen on').default('127.0.0.1'))
    .addHelpText(
      'after',
      `\nExamples:\n  cloudtrail-opensearch serve --port 8080\n  curl 'http://127.0.0.1:8080/users/alice?from=now-7d/d&eventName=DeleteBucket'\n\n${SERVE_EXIT_CODES_HELP}`,
    )
    .action(async (flags: ServeFlags) => {
      const { serve } = await import('./serveAction.js');
      invocation.exitCode = await serve(flags, invocation);
    });
  return command;
}
