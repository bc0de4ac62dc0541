/**
 * A dashboard saved object: its panels laid out on Dashboards' 48-column grid, each panel pointing at
 * its visualization or saved search through a reference (`panel_N`), as the 7.x format keeps them.
 */
import { savedObject, type SavedObject } from './savedObjects.js';

export interface Panel {
  object: SavedObject;
  /** A full-width panel takes a row; half-width panels go two to a row. */
  width: 'full' | 'half';
}

export interface DashboardSpec {
  id: string;
  title: string;
  description: string;
  panels: Panel[];
  /** Dashboards opens on this range (DQL date math), e.g. `now-7d`. */
  timeFrom: string;
}

const GRID_COLUMNS = 48;
const PANEL_HEIGHT = 15;
/** Panel format version written in panelsJSON: the 7.x shape every target reads. */
const PANEL_VERSION = '7.10.0';

export function dashboard(spec: DashboardSpec): SavedObject {
  let x = 0;
  let y = 0;
  const panels = spec.panels.map((panel, index) => {
    const w = panel.width === 'full' ? GRID_COLUMNS : GRID_COLUMNS / 2;
    if (x + w > GRID_COLUMNS) {
      x = 0;
      y += PANEL_HEIGHT;
    }
    const panelIndex = String(index + 1);
    const entry = {
      version: PANEL_VERSION,
      gridData: { x, y, w, h: PANEL_HEIGHT, i: panelIndex },
      panelIndex,
      embeddableConfig: {},
      panelRefName: `panel_${index}`,
    };
    x += w;
    return entry;
  });
  return savedObject(
    'dashboard',
    spec.id,
    {
      title: spec.title,
      description: spec.description,
      hits: 0,
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({ hidePanelTitles: false, useMargins: true }),
      version: 1,
      timeRestore: true,
      timeFrom: spec.timeFrom,
      timeTo: 'now',
      refreshInterval: { pause: true, value: 0 },
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
      },
    },
    spec.panels.map((panel, index) => ({
      name: `panel_${index}`,
      type: panel.object.type,
      id: panel.object.id,
    })),
  );
}
