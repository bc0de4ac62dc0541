/**
 * The CLI as a user runs it (bin/cloudtrail-opensearch.js, the same arguments), in a child process of
 * the paging test, reporting its peak resident memory on stderr as it exits:
 *   node activity-probe.js activity --endpoint URL --ndjson
 */
import { readFileSync } from 'node:fs';

/**
 * This process's own peak: VmHWM belongs to the memory map exec created. getrusage's maxRSS does not
 * do here: Linux carries it over from the forked copy of the parent, so it reports at least the test
 * runner's RSS at the moment it spawned the CLI.
 */
function peakRssKb(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => {
  // A pipe write is synchronous on Linux, so the line is out before the process ends.
  process.stderr.write(`\npeak-rss-mb ${(peakRssKb() / 1024).toFixed(1)}\n`);
});
await import(new URL('../../../bin/cloudtrail-opensearch.js', import.meta.url).href);
