/**
 * `npm start` / `cloudtrail-opensearch demo`: the whole product locally, no AWS, no setup. Starts the
 * dev server (unless OPENSEARCH_URL points at a cluster), indexes the bundled sample CloudTrail files
 * through the real pipeline, prints what landed where and three queries to try, then keeps the server
 * up until Ctrl-C when run from a terminal (never in CI: without a terminal it ends and says how to
 * keep it running).
 */
import { Command, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import type { Invocation } from './invocation.js';
import { portNumber, wholeNumber } from './options.js';

export const SAMPLES_DIR = fileURLToPath(new URL('../../../samples/cloudtrail', import.meta.url));

export interface DemoFlags {
  keepRunning?: boolean;
  port: number;
  indexPrefix: string;
  records?: number;
}

export function demoCommand(invocation: Invocation): Command {
  return new Command('demo')
    .summary('index the bundled sample events into a local dev server and show them (npm start)')
    .description(
      'Start the local dev server (unless $OPENSEARCH_URL names a cluster), index the 1,214 bundled sample ' +
        'events through the same pipeline as the Lambda, print the indices, the top event names and three ' +
        'queries to try, then keep the server running until Ctrl-C.',
    )
    .addOption(
      new Option(
        '--keep-running',
        'keep the dev server running after indexing, until Ctrl-C (default: yes on a terminal, no otherwise)',
      ),
    )
    .addOption(new Option('--no-keep-running', 'stop the dev server once the samples are indexed'))
    .addOption(
      new Option('--port <port>', 'port of the dev server (0 picks a free one)')
        .argParser(portNumber)
        .default(0),
    )
    .addOption(
      new Option('--index-prefix <prefix>', 'daily indices are PREFIX + YYYY-MM-DD').default('cloudtrail-'),
    )
    .addOption(
      new Option(
        '--records <n>',
        'index N events generated from the samples (e.g. 1000000) instead (default: the samples themselves)',
      ).argParser(wholeNumber(1)),
    )
    .action(async (flags: DemoFlags) => {
      const { runDemo } = await import('./demoAction.js');
      invocation.exitCode = await runDemo(flags);
    });
}
