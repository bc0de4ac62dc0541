/** Runs `npm run bench` (the built scripts/bench.js) in a child process and returns its last JSON line. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BENCH = fileURLToPath(new URL('../../scripts/bench.js', import.meta.url));

export async function bench(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(process.execPath, [BENCH, ...args], { maxBuffer: 1 << 20 });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}
