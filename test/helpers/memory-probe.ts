/**
 * Run in a child process by the memory test: indexes one file against a bulk endpoint and prints
 * {rssBeforeMb, peakRssMb, outcome} as JSON. Separate process so the test runner's own memory and the
 * server's are not counted.   usage: node memory-probe.js FILE ENDPOINT
 */
import { indexBenchFile } from '../../scripts/bench-pipeline.js';
import { clientTransport } from '../../src/bulk/transport.js';
import { createClient } from '../../src/opensearch/client.js';

const [file, endpoint] = process.argv.slice(2) as [string, string];
const client = createClient({ endpoint });
const rssBefore = process.memoryUsage().rss;
const outcome = await indexBenchFile(file, clientTransport(client));
await client.close();
console.log(
  JSON.stringify({
    rssBeforeMb: rssBefore / 1048576,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    outcome,
  }),
);
