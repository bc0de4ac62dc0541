// npm run map-roles -- --endpoint URL --indexer-role ARN --cleanup-role ARN [--index-prefix P] [--region R]
// Maps the stack's indexer and cleanup roles (stack outputs IndexerRoleArn, CleanupRoleArn) into a domain's
// fine-grained access control. Run it with the master role's credentials (FgacMasterRoleArn); requests to
// *.es.amazonaws.com are signed with SigV4. Safe to run again. See docs/deploy.md.
import { parseArgs } from 'node:util';
import { mapLambdaRoles } from '../src/infra/role-mapping.js';
import { clientHttp } from '../src/http/request.js';
import { createClient } from '../src/opensearch/client.js';

const USAGE =
  'usage: npm run map-roles -- --endpoint URL --indexer-role ARN --cleanup-role ARN [--index-prefix cloudtrail-] [--region R]';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        endpoint: { type: 'string' },
        'indexer-role': { type: 'string' },
        'cleanup-role': { type: 'string' },
        'index-prefix': { type: 'string', default: 'cloudtrail-' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`map-roles: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const problems = [
    values.endpoint === undefined ? '--endpoint URL is required (stack output DomainEndpoint)' : '',
    !ROLE_ARN.test(values['indexer-role'] ?? '')
      ? '--indexer-role needs an IAM role ARN (stack output IndexerRoleArn)'
      : '',
    !ROLE_ARN.test(values['cleanup-role'] ?? '')
      ? '--cleanup-role needs an IAM role ARN (stack output CleanupRoleArn)'
      : '',
  ].filter(Boolean);
  if (problems.length > 0) {
    console.error(`map-roles: ${problems.join('; ')}\n${USAGE}`);
    return 2;
  }
  const client = createClient({ endpoint: values.endpoint!, region: values.region });
  try {
    const results = await mapLambdaRoles(clientHttp(client), {
      indexerRoleArn: values['indexer-role']!,
      cleanupRoleArn: values['cleanup-role']!,
      indexPrefix: values['index-prefix'],
    });
    for (const result of results) {
      console.log(
        `${result.role}: ${result.added ? 'mapped' : 'already mapped'} (backend roles: ${result.backendRoles.join(', ')})`,
      );
    }
    return 0;
  } catch (error) {
    console.error(`map-roles: ${(error as Error).message}`);
    return 1;
  } finally {
    await client.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
