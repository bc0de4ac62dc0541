/** What every handler group works with. */
import type { Cluster } from '../cluster.js';
import type { FaultController } from '../faults.js';
import type { Flavor, FlavorTraits } from '../flavor.js';

export interface ServerState {
  cluster: Cluster;
  flavor: Flavor;
  traits: FlavorTraits;
  faults: FaultController;
}

export const acknowledged = { status: 200, body: { acknowledged: true } };
