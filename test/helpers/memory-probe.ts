/**
 * Run in a child process by the memory test: indexes one file against a bulk endpoint and prints
 * {rssBeforeMb, sampledPeakRssMb, peakRssMb, outcome} as JSON. Separate process so the test runner's own
 * memory and the server's are not counted.   usage: node memory-probe.js FILE ENDPOINT
 *
 * sampledPeakRssMb is the highest RSS seen every 10 ms while the file is indexed: what the pipeline
 * holds. peakRssMb is the kernel's high-water mark, which also counts transient allocator spikes that
 * vary with the machine's state (the same file measured +46 MB alone and +186 MB after other tests).
 */
import { indexBenchFile } from '../../scripts/bench-pipeline.js';
import { clientTransport } from '../../src/bulk/transport.js';
import { createClient } from '../../src/opensearch/client.js';

const [file, endpoint] = process.argv.slice(2) as [string, string];
const client = createClient({ endpoint });
const rssBefore = process.memoryUsage().rss;
let sampledPeak = rssBefore;
const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss)), 10);
const outcome = await indexBenchFile(file, clientTransport(client));
clearInterval(sampler);
await client.close();
console.log(
  JSON.stringify({
    rssBeforeMb: rssBefore / 1048576,
    sampledPeakRssMb: sampledPeak / 1048576,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    outcome,
  }),
);
