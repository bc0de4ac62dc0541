/**
 * `cloudtrail-opensearch dashboards install|export`: the ready-made index pattern, saved searches and
 * Activity/Security dashboards, imported into OpenSearch Dashboards or Kibana 7.10 through the
 * saved-objects import API, or written to a file for Dashboards' own Import button.
 */
import { Command, Option } from 'commander';
import { FLAVORS, type DashboardsFlavor } from '../dashboards/flavors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../http/retry.js';
import type { AuthMode } from '../opensearch/client.js';
import type { Invocation } from './invocation.js';
import { ENDPOINT_DEFAULT_HELP, wholeNumber } from './options.js';

export interface InstallFlags {
  dashboardsUrl?: string;
  url?: string;
  endpoint?: string;
  auth?: AuthMode;
  region?: string;
  tenant?: string;
  flavor: DashboardsFlavor;
  indexPrefix?: string;
  requestTimeout: number;
}

export interface ExportFlags {
  out?: string;
  indexPrefix?: string;
}

const PREFIX_OPTION = () =>
  new Option(
    '--index-prefix <prefix>',
    'the index pattern is PREFIX + 2* (the daily indices) (default: $INDEX_PREFIX, else cloudtrail-)',
  );

export function dashboardsCommand(invocation: Invocation): Command {
  const command = new Command('dashboards')
    .summary('install the ready-made index pattern, saved searches and dashboards')
    .description(
      'The index pattern on the daily indices, a saved search per investigator question, and the ' +
        '"CloudTrail activity" and "CloudTrail security" dashboards, for OpenSearch Dashboards 1.x/2.x ' +
        'and Kibana 7.10 (docs/dashboards.md).',
    );
  // The program makes a bad option here a usage error (exit 2), as on every command.
  for (const sub of [installCommand(invocation), exportCommand()]) command.addCommand(sub);
  return command;
}

function installCommand(invocation: Invocation): Command {
  return new Command('install')
    .summary('import the saved objects through the saved-objects import API (overwrites earlier copies)')
    .addOption(
      new Option(
        '--dashboards-url <url>',
        'Dashboards or Kibana: https://DOMAIN/_dashboards on Amazon OpenSearch Service, http://HOST:5601 ' +
          'self-managed (default: $DASHBOARDS_URL, else the AWS --endpoint + /_dashboards)',
      ),
    )
    .addOption(new Option('--url <url>', 'the same as --dashboards-url').hideHelp())
    .addOption(
      new Option(
        '--endpoint <url>',
        `an Amazon OpenSearch Service domain endpoint to derive --dashboards-url from ${ENDPOINT_DEFAULT_HELP}`,
      ),
    )
    .addOption(
      new Option(
        '--auth <mode>',
        'basic reads $OPENSEARCH_USERNAME and $OPENSEARCH_PASSWORD; sigv4 signs for service es ' +
          '(default: basic when both are set, sigv4 for *.es.amazonaws.com, else none)',
      ).choices(['none', 'basic', 'sigv4']),
    )
    .addOption(
      new Option(
        '--region <region>',
        'SigV4 region (default: from the AWS host, else $AWS_REGION, else $AWS_DEFAULT_REGION)',
      ),
    )
    .addOption(
      new Option(
        '--tenant <name>',
        "the security plugin's tenant to install into: global, private, or a custom tenant's name " +
          "(default: the user's current tenant)",
      ),
    )
    .addOption(
      new Option(
        '--flavor <flavor>',
        'which anti-CSRF header to send: osd-xsrf (opensearch-dashboards), kbn-xsrf (kibana), or both (auto)',
      )
        .choices([...FLAVORS])
        .default('auto'),
    )
    .addOption(PREFIX_OPTION())
    .addOption(
      new Option(
        '--request-timeout <ms>',
        'deadline of the import request, connecting and reading the answer',
      )
        .argParser(wholeNumber(100, 900_000))
        .default(DEFAULT_REQUEST_TIMEOUT_MS),
    )
    .addHelpText(
      'after',
      `
Examples:
  cloudtrail-opensearch dashboards install --endpoint https://search-logs-abc123.eu-west-1.es.amazonaws.com
  OPENSEARCH_USERNAME=admin OPENSEARCH_PASSWORD=... \\
    cloudtrail-opensearch dashboards install --dashboards-url https://dashboards.example.com:5601 --tenant global

Exit codes:
  0  every saved object was imported
  1  some objects were refused (each is named) or Dashboards kept failing (5xx): run again
  2  usage or configuration error: bad option, URL not Dashboards, credentials refused (401/403)`,
    )
    .action(async (flags: InstallFlags) => {
      const { runInstall } = await import('./dashboardsAction.js');
      invocation.exitCode = await runInstall(flags, invocation);
    });
}

function exportCommand(): Command {
  return new Command('export')
    .summary("write the saved objects as NDJSON, for Dashboards' Import button (stdout unless --out)")
    .addOption(new Option('--out <file>', 'write to this file (default: standard output)'))
    .addOption(PREFIX_OPTION())
    .action(async (flags: ExportFlags) => {
      const { runExport } = await import('./dashboardsAction.js');
      await runExport(flags);
    });
}
