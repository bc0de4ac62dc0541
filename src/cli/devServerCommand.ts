/** `cloudtrail-opensearch dev-server`: the local OpenSearch-compatible server, until stopped. */
import { Command, Option } from 'commander';
import type { Flavor } from '../../devserver/index.js';
import type { Invocation } from './invocation.js';
import { portNumber, wholeNumber } from './options.js';

const FLAVORS: Flavor[] = ['opensearch-2', 'opensearch-1', 'opensearch-3', 'elasticsearch-7'];

export interface DevServerFlags {
  port: number;
  host: string;
  flavor: Flavor;
  sigv4?: string;
  region: string;
  service: 'es' | 'aoss';
  seed: number;
}

export function devServerCommand(invocation: Invocation): Command {
  return new Command('dev-server')
    .summary('run the local OpenSearch-compatible server (in memory) until Ctrl-C')
    .description(
      'Run an in-memory server that answers the REST API this product uses as a real OpenSearch does ' +
        '(same status codes, error types and reasons; see docs/dev-server.md). It prints its URL and runs ' +
        'until Ctrl-C (SIGINT) or SIGTERM.',
    )
    .addOption(
      new Option('--port <port>', 'port to listen on (0 picks a free one)')
        .argParser(portNumber)
        .default(9200),
    )
    .addOption(new Option('--host <address>', 'interface to listen on').default('127.0.0.1'))
    .addOption(
      new Option('--flavor <name>', 'which engine to imitate').choices(FLAVORS).default('opensearch-2'),
    )
    .addOption(
      new Option(
        '--sigv4 <key:secret>',
        'require requests signed with AWS SigV4 for these credentials (default: off)',
      ),
    )
    .addOption(
      new Option('--region <region>', 'the region SigV4 signatures must be scoped to').default(
        process.env.AWS_REGION ?? 'us-east-1',
        '$AWS_REGION, else us-east-1',
      ),
    )
    .addOption(
      new Option('--service <name>', 'the service SigV4 signatures must be scoped to')
        .choices(['es', 'aoss'])
        .default('es'),
    )
    .addOption(
      new Option('--seed <n>', 'seed of the random draws behind probabilistic faults')
        .argParser(wholeNumber(0))
        .default(1),
    )
    .action(async (flags: DevServerFlags) => {
      const { runDevServer } = await import('./devServerAction.js');
      invocation.exitCode = await runDevServer(flags);
    });
}
