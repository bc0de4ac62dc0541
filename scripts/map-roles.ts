// npm run map-roles -- --endpoint URL --indexer-role ARN --cleanup-role ARN [--audit-role ARN]
//   [--query-api-role ARN] [--index-prefix P] [--region R]
// Maps the stack's Lambda roles (stack outputs IndexerRoleArn, CleanupRoleArn, and AuditRoleArn and
// QueryApiRoleArn when the stack has them) into a domain's fine-grained access control. An empty
// --audit-role or --query-api-role (the output of a stack without that Lambda) maps nothing. Run it
// with the master role's credentials (FgacMasterRoleArn); requests to *.es.amazonaws.com are signed
// with SigV4. Safe to run again. See docs/deploy.md.
import { parseArgs } from 'node:util';
import { mapLambdaRoles } from '../src/infra/role-mapping.js';
import { clientHttp } from '../src/http/request.js';
import { createClient } from '../src/opensearch/client.js';

const USAGE =
  'usage: npm run map-roles -- --endpoint URL --indexer-role ARN --cleanup-role ARN [--audit-role ARN] ' +
  '[--query-api-role ARN] [--index-prefix cloudtrail-] [--region R]';
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
        'audit-role': { type: 'string' },
        'query-api-role': { type: 'string' },
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
    optionalRoleProblem('--audit-role', values['audit-role'], 'AuditRoleArn'),
    optionalRoleProblem('--query-api-role', values['query-api-role'], 'QueryApiRoleArn'),
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
      auditRoleArn: values['audit-role'] || undefined,
      queryApiRoleArn: values['query-api-role'] || undefined,
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

/**
 * An optional role is left out, or empty: the stack has no such Lambda, and `aws cloudformation
 * describe-stacks` prints nothing for the missing output. Anything else must be a role ARN.
 */
function optionalRoleProblem(flag: string, value: string | undefined, output: string): string {
  if (value === undefined || value === '' || ROLE_ARN.test(value)) return '';
  return `${flag} needs an IAM role ARN (stack output ${output}) or nothing`;
}

process.exitCode = await main(process.argv.slice(2));
