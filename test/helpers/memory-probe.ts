/**
 * Run in a child process by the memory test: indexes one file against a bulk endpoint and prints
 * {rssBeforeMb, peakRssMb, outcome} as JSON. Separate process so the test runner's own memory and the
 * server's are not counted.   usage: node memory-probe.js FILE ENDPOINT
 */
import { silentTelemetry } from '../../src/observability/telemetry.js';
import { createClient } from '../../src/opensearch/client.js';
import { clientTransport } from '../../src/bulk/transport.js';
import { indexFile } from '../../src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../../src/pipeline/indexer.js';
import { openLocalFile } from '../../src/source/local.js';

const [file, endpoint] = process.argv.slice(2) as [string, string];
const client = createClient({ endpoint });
const rssBefore = process.memoryUsage().rss;
const outcome = await indexFile(
  { sourceName: file, key: file, stream: openLocalFile(file) },
  { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'cloudtrail-' },
  {
    transport: clientTransport(client),
    deadLetter: {
      target: 'none',
      write: async () => {
        throw new Error('unexpected dead letter');
      },
    },
    telemetry: silentTelemetry(),
    remainingTimeMs: () => Infinity,
  },
);
await client.close();
console.log(
  JSON.stringify({
    rssBeforeMb: rssBefore / 1048576,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    outcome,
  }),
);
