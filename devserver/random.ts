/**
 * Seeded draws in [0, 1) for probabilistic faults: a SplitMix32-style generator (a golden-ratio step
 * through a murmur3 finaliser), so the same seed replays the same fault schedule on every machine.
 */
export type Draw = () => number;

export function seededDraws(seed: number): Draw {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 16), 0x85ebca6b);
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
    return ((mixed ^ (mixed >>> 16)) >>> 0) / 4294967296;
  };
}
