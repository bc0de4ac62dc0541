// Maps the stack's Lambda roles into a domain's fine-grained access control (the security plugin's REST API),
// for `npm run map-roles`. Each function gets its own OpenSearch role with what its code does on the index
// prefix, and its IAM role ARN is added to that role's backend roles. A role mapping PUT replaces the whole
// mapping, so the current one is read first and merged: users, hosts and other backend roles are kept.
import type { HttpCaller, HttpRequest, RequestLimits } from '../http/request.js';

/** The security API's answers here are one role or one mapping: a few KB. */
export const ROLE_MAPPING_LIMITS: Partial<RequestLimits> = { maxResponseBytes: 1024 * 1024 };

export interface RoleMappingOptions {
  readonly indexerRoleArn: string;
  readonly cleanupRoleArn: string;
  /** The scheduled audit's role (stack output AuditRoleArn, with AuditSchedule); none: not mapped. */
  readonly auditRoleArn?: string;
  /** The query API's role (stack output QueryApiRoleArn, with QueryApi=enabled); none: not mapped. */
  readonly queryApiRoleArn?: string;
  readonly indexPrefix: string;
}

export interface OpenSearchRole {
  readonly name: string;
  readonly backendRole: string;
  readonly definition: {
    readonly cluster_permissions: readonly string[];
    readonly index_permissions: readonly { index_patterns: string[]; allowed_actions: string[] }[];
  };
}

export interface MappingResult {
  readonly role: string;
  readonly backendRoles: readonly string[];
  /** False when the ARN was already mapped (running again changes nothing). */
  readonly added: boolean;
}

const SECURITY_API = '/_plugins/_security/api';

/**
 * One OpenSearch role per Lambda of the stack, each with what its code does and no more (as its IAM
 * policy in cloudformation.yml): the indexer writes PREFIX* (daily, dead-letter, ledger and alerts
 * indices) and installs the index template; the cleanup lists, creates and deletes the daily indices;
 * the audit, when given, reads and records digests in PREFIXledger; the query API, when given, searches
 * and counts the daily indices.
 */
export function lambdaRoles(options: RoleMappingOptions): OpenSearchRole[] {
  const pattern = `${options.indexPrefix}*`;
  const optional: OpenSearchRole[] = [];
  if (options.auditRoleArn !== undefined)
    optional.push({
      name: 'cloudtrail_opensearch_audit',
      backendRole: options.auditRoleArn,
      definition: {
        cluster_permissions: [],
        index_permissions: [
          {
            // crud: get, search and put entries; create_index: the first run makes the ledger;
            // refresh: the entries just recorded must be visible to the lookup that follows.
            index_patterns: [`${options.indexPrefix}ledger`],
            allowed_actions: ['crud', 'create_index', 'indices:admin/refresh*'],
          },
        ],
      },
    });
  if (options.queryApiRoleArn !== undefined)
    optional.push({
      name: 'cloudtrail_opensearch_query_api',
      backendRole: options.queryApiRoleArn,
      definition: {
        cluster_permissions: [],
        index_permissions: [{ index_patterns: [`${options.indexPrefix}2*`], allowed_actions: ['read'] }],
      },
    });
  return [
    {
      name: 'cloudtrail_opensearch_indexer',
      backendRole: options.indexerRoleArn,
      definition: {
        cluster_permissions: ['cluster_monitor', 'cluster_composite_ops', 'indices:admin/index_template/*'],
        index_permissions: [
          {
            index_patterns: [pattern],
            allowed_actions: ['crud', 'create_index', 'indices:admin/mapping/put'],
          },
        ],
      },
    },
    {
      name: 'cloudtrail_opensearch_cleanup',
      backendRole: options.cleanupRoleArn,
      definition: {
        cluster_permissions: ['cluster_monitor'],
        index_permissions: [
          {
            index_patterns: [`${options.indexPrefix}2*`],
            allowed_actions: ['indices:admin/delete', 'indices:admin/create', 'indices:monitor/*'],
          },
          { index_patterns: [pattern], allowed_actions: ['indices:monitor/*'] },
        ],
      },
    },
    ...optional,
  ];
}

/** Creates (or updates) each role and adds its Lambda role ARN to its mapping. */
export async function mapLambdaRoles(
  http: HttpCaller,
  options: RoleMappingOptions,
): Promise<MappingResult[]> {
  const results: MappingResult[] = [];
  for (const role of lambdaRoles(options)) {
    const name = encodeURIComponent(role.name);
    await expectOk(http, 'PUT', `${SECURITY_API}/roles/${name}`, role.definition);
    const current = await http.request(
      { method: 'GET', path: `${SECURITY_API}/rolesmapping/${name}` },
      ROLE_MAPPING_LIMITS,
    );
    if (current.statusCode !== 404 && (current.statusCode < 200 || current.statusCode >= 300))
      throw new Error(`GET rolesmapping/${role.name} failed with HTTP ${current.statusCode}`);
    const existing =
      current.statusCode === 404 ? {} : ((current.body as Record<string, MappingBody>)[role.name] ?? {});
    const backendRoles = existing.backend_roles ?? [];
    const added = !backendRoles.includes(role.backendRole);
    const merged = added ? [...backendRoles, role.backendRole] : backendRoles;
    await expectOk(http, 'PUT', `${SECURITY_API}/rolesmapping/${name}`, {
      backend_roles: merged,
      hosts: existing.hosts ?? [],
      users: existing.users ?? [],
    });
    results.push({ role: role.name, backendRoles: merged, added });
  }
  return results;
}

interface MappingBody {
  backend_roles?: string[];
  hosts?: string[];
  users?: string[];
}

async function expectOk(
  http: HttpCaller,
  method: HttpRequest['method'],
  path: string,
  body: unknown,
): Promise<void> {
  const response = await http.request({ method, path, body }, ROLE_MAPPING_LIMITS);
  const status = response.statusCode;
  if (status < 200 || status >= 300) {
    const hint =
      status === 401 || status === 403
        ? ' (sign the requests as the fine-grained access control master role: FgacMasterRoleArn)'
        : '';
    throw new Error(
      `${method} ${path} failed with HTTP ${status}${hint}: ${JSON.stringify(response.body).slice(0, 300)}`,
    );
  }
}
