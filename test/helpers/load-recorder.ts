/**
 * Module hooks (registered by record-loads.ts) that append the URL of every module loaded through
 * `import` to the file named by $LOAD_RECORD, so a test can see what a command loaded.
 */
import { appendFileSync } from 'node:fs';

interface LoadResult {
  format?: string | null;
  source?: unknown;
  shortCircuit?: boolean;
}

export async function load(
  url: string,
  context: unknown,
  nextLoad: (url: string, context: unknown) => Promise<LoadResult>,
): Promise<LoadResult> {
  const record = process.env.LOAD_RECORD;
  if (record) appendFileSync(record, `${url}\n`);
  return nextLoad(url, context);
}
