/**
 * The server "flavors" (spec §10): what each engine reports at `GET /` and the few places where the
 * wire format differs between them.
 */

export type Flavor = 'opensearch-1' | 'opensearch-2' | 'opensearch-3' | 'elasticsearch-7';

export interface FlavorTraits {
  distribution?: 'opensearch';
  number: string;
  luceneVersion: string;
  minimumWireCompatibility: string;
  minimumIndexCompatibility: string;
  tagline: string;
  clusterName: string;
  /** `_type: "_doc"` in write and search responses (ES 7 and OpenSearch 1.x). */
  reportsType: boolean;
  /** Snake-case name of the rejected-execution exception. */
  rejectedExecutionType: string;
  /** Unknown bulk action message; undefined = the parser silently skips the item (early parsers). */
  unknownBulkAction?: (line: number, action: string) => string;
  /** Health carries `discovered_master` and `discovered_cluster_manager`. */
  reportsClusterManager: boolean;
  /** Thread-pool executor class named in rejection reasons. */
  executorName: string;
}

const openSearchTagline = 'The OpenSearch Project: https://opensearch.org/';
const unknownActionOpenSearch = (line: number, action: string): string =>
  `Malformed action/metadata line [${line}], expected one of [create, delete, index, update] but found [${action}]`;

export const flavors: Record<Flavor, FlavorTraits> = {
  'opensearch-1': {
    distribution: 'opensearch',
    number: '1.3.20',
    luceneVersion: '8.10.1',
    minimumWireCompatibility: '6.8.0',
    minimumIndexCompatibility: '6.0.0-beta1',
    tagline: openSearchTagline,
    clusterName: 'opensearch',
    reportsType: true,
    rejectedExecutionType: 'rejected_execution_exception',
    reportsClusterManager: false,
    executorName: 'OpenSearchThreadPoolExecutor',
  },
  'opensearch-2': {
    distribution: 'opensearch',
    number: '2.19.1',
    luceneVersion: '9.12.1',
    minimumWireCompatibility: '7.10.0',
    minimumIndexCompatibility: '7.0.0',
    tagline: openSearchTagline,
    clusterName: 'opensearch',
    reportsType: false,
    rejectedExecutionType: 'rejected_execution_exception',
    unknownBulkAction: unknownActionOpenSearch,
    reportsClusterManager: true,
    executorName: 'OpenSearchThreadPoolExecutor',
  },
  'opensearch-3': {
    distribution: 'opensearch',
    number: '3.1.0',
    luceneVersion: '10.2.1',
    minimumWireCompatibility: '2.19.0',
    minimumIndexCompatibility: '2.0.0',
    tagline: openSearchTagline,
    clusterName: 'opensearch',
    reportsType: false,
    rejectedExecutionType: 'rejected_execution_exception',
    unknownBulkAction: unknownActionOpenSearch,
    reportsClusterManager: true,
    executorName: 'OpenSearchThreadPoolExecutor',
  },
  'elasticsearch-7': {
    number: '7.10.2',
    luceneVersion: '8.7.0',
    minimumWireCompatibility: '6.8.0',
    minimumIndexCompatibility: '6.0.0-beta1',
    tagline: 'You Know, for Search',
    clusterName: 'elasticsearch',
    reportsType: true,
    rejectedExecutionType: 'es_rejected_execution_exception',
    reportsClusterManager: false,
    executorName: 'EsThreadPoolExecutor',
  },
};

/** The `GET /` body. */
export function rootInfo(flavor: Flavor, clusterUuid: string): Record<string, unknown> {
  const traits = flavors[flavor];
  const version: Record<string, unknown> = {};
  if (traits.distribution) version.distribution = traits.distribution;
  version.number = traits.number;
  if (!traits.distribution) version.build_flavor = 'default';
  Object.assign(version, {
    build_type: 'tar',
    build_hash: 'devserver0000000000000000000000000000000',
    build_date: '2025-01-01T00:00:00.000000Z',
    build_snapshot: false,
    lucene_version: traits.luceneVersion,
    minimum_wire_compatibility_version: traits.minimumWireCompatibility,
    minimum_index_compatibility_version: traits.minimumIndexCompatibility,
  });
  return {
    name: 'devserver-node',
    cluster_name: traits.clusterName,
    cluster_uuid: clusterUuid,
    version,
    tagline: traits.tagline,
  };
}
