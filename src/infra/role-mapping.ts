// Maps the stack's Lambda roles into a domain's fine-grained access control (the security plugin's REST API),
// for `npm run map-roles`. Each function gets its own OpenSearch role with what its code does on the index
// prefix, and its IAM role ARN is added to that role's backend roles. A role mapping PUT replaces the whole
// mapping, so the current one is read first and merged: users, hosts and other backend roles are kept.

export interface SecurityApi {
  transport: {
    request(
      params: { method: string; path: string; body?: unknown },
      options?: { ignore?: number[] },
    ): Promise<{ statusCode: number | null; body: unknown }>;
  };
}

export interface RoleMappingOptions {
  readonly indexerRoleArn: string;
  readonly cleanupRoleArn: string;
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

/** The two OpenSearch roles: the indexer writes PREFIX* (daily, dead-letter, ledger and alerts indices) and
 * installs the index template; the cleanup lists, creates and deletes the daily indices. */
export function lambdaRoles(options: RoleMappingOptions): OpenSearchRole[] {
  const pattern = `${options.indexPrefix}*`;
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
  ];
}

/** Creates (or updates) both roles and adds each Lambda role ARN to its mapping. */
export async function mapLambdaRoles(
  api: SecurityApi,
  options: RoleMappingOptions,
): Promise<MappingResult[]> {
  const results: MappingResult[] = [];
  for (const role of lambdaRoles(options)) {
    const name = encodeURIComponent(role.name);
    await expectOk(api, 'PUT', `${SECURITY_API}/roles/${name}`, role.definition);
    const current = await api.transport.request(
      { method: 'GET', path: `${SECURITY_API}/rolesmapping/${name}` },
      { ignore: [404] },
    );
    if (current.statusCode !== 404 && (current.statusCode ?? 500) >= 300)
      throw new Error(`GET rolesmapping/${role.name} failed with HTTP ${current.statusCode}`);
    const existing =
      current.statusCode === 404 ? {} : ((current.body as Record<string, MappingBody>)[role.name] ?? {});
    const backendRoles = existing.backend_roles ?? [];
    const added = !backendRoles.includes(role.backendRole);
    const merged = added ? [...backendRoles, role.backendRole] : backendRoles;
    await expectOk(api, 'PUT', `${SECURITY_API}/rolesmapping/${name}`, {
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

async function expectOk(api: SecurityApi, method: string, path: string, body: unknown): Promise<void> {
  const response = await api.transport.request({ method, path, body }, { ignore: [400, 401, 403, 404] });
  const status = response.statusCode ?? 500;
  if (status >= 300) {
    const hint =
      status === 401 || status === 403
        ? ' (sign the requests as the fine-grained access control master role: FgacMasterRoleArn)'
        : '';
    throw new Error(
      `${method} ${path} failed with HTTP ${status}${hint}: ${JSON.stringify(response.body).slice(0, 300)}`,
    );
  }
}
