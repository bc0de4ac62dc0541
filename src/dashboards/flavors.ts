/** Which anti-CSRF header a Dashboards install sends, apart from the installer so `--help` can list them cheaply. */
export type DashboardsFlavor = 'auto' | 'opensearch-dashboards' | 'kibana';
export const FLAVORS: readonly DashboardsFlavor[] = ['auto', 'opensearch-dashboards', 'kibana'];
