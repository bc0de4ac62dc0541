/** `cloudtrail-opensearch serve`: the read-only query API (src/api) on local HTTP, until stopped. */
import { Command, Option } from 'commander';
import { QueryApi } from '../api/queryApi.js';
import { startApiServer } from '../api/server.js';
import { clientHttp } from '../http/request.js';
import { QueryService } from '../query/queryService.js';
import { checkEndpoint, connect } from './connection.js';
import { EXIT, EXIT_CODES_HELP, type ExitCode } from './exitCodes.js';
import type { Invocation } from './invocation.js';
import { addConnectionOptions, portNumber, type ConnectionFlags } from './options.js';

interface ServeFlags extends ConnectionFlags {
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
      `\nExamples:\n  cloudtrail-opensearch serve --port 8080\n  curl 'http://127.0.0.1:8080/users/alice?from=now-7d/d&eventName=DeleteBucket'\n\n${EXIT_CODES_HELP}`,
    )
    .action(async (flags: ServeFlags) => {
      invocation.exitCode = await serve(flags, invocation);
    });
  return command;
}

async function serve(flags: ServeFlags, invocation: Invocation): Promise<ExitCode> {
  const connected = connect(flags, invocation);
  try {
    await checkEndpoint(connected, invocation);
    const http = clientHttp(connected.client, { timeoutMs: flags.requestTimeout });
    const api = new QueryApi(new QueryService(http, { indexPrefix: connected.indexPrefix }));
    const server = await startApiServer(api, flags.port, flags.host);
    process.stdout.write(`query API listening on ${server.url} (reading ${connected.resolved.endpoint})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => void server.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return EXIT.ok;
  } finally {
    await connected.client.close();
  }
}
