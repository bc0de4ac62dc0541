/**
 * Splits index names into DELETE batches whose URL path stays under a byte budget. OpenSearch rejects a
 * request line over `http.max_initial_line_length` (4 kB), so a long comma list must be cut; the client
 * percent-encodes the commas (`%2C`), which is what we measure.
 */

/** Default path budget: well under the 4 kB request-line limit, leaving room for method, query and host. */
export const DEFAULT_MAX_PATH_BYTES = 3_000;

/** Bytes of the path the client sends for these names: `/` + encodeURIComponent(names joined by commas). */
export function deletePathBytes(names: string[]): number {
  return Buffer.byteLength('/' + encodeURIComponent(names.join(',')));
}

export function batchByPathBytes(names: string[], maxPathBytes = DEFAULT_MAX_PATH_BYTES): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  for (const name of names) {
    // A single name always gets its own batch, even if it alone were over budget (names are ≤ 255 bytes).
    if (current.length > 0 && deletePathBytes([...current, name]) > maxPathBytes) {
      batches.push(current);
      current = [];
    }
    current.push(name);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
