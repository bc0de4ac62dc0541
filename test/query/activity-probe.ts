/**
 * The CLI as a user runs it (bin/cloudtrail-opensearch.js, the same arguments), in a child process of
 * the paging test, reporting its peak resident memory on stderr as it exits:
 *   node activity-probe.js activity --endpoint URL --ndjson
 */
process.on('exit', () => {
  // A pipe write is synchronous on Linux, so the line is out before the process ends.
  process.stderr.write(`\npeak-rss-mb ${(process.resourceUsage().maxRSS / 1024).toFixed(1)}\n`);
});
await import(new URL('../../../bin/cloudtrail-opensearch.js', import.meta.url).href);
