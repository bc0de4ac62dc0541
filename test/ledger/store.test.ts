/**
 * LedgerStore.record against the dev server over HTTP: an object's first entry costs one request; a
 * replay counts the attempt and keeps the first processed time; recordings of one object that run at
 * the same time (two invocations given the same file) are each counted, none lost to another's write.
 */
import { strict as assert } from 'node:assert';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { clientHttp, type HttpCaller, type HttpRequest } from '../../src/http/request.js';
import { DEFAULT_RETRY } from '../../src/http/retry.js';
import { LedgerStore, ledgerId, type LogFileEntry } from '../../src/ledger/ledger.js';
import { createClient } from '../../src/opensearch/client.js';

const BUCKET = 'store-bucket';

type NewEntry = Omit<LogFileEntry, 'attempts' | 'firstProcessed' | 'lastProcessed'>;

function logEntry(key: string, indexed: number): NewEntry {
  return {
    kind: 'log',
    bucket: BUCKET,
    key,
    etag: '"etag-1"',
    sha256: 'ab'.repeat(32),
    status: 'complete',
    read: indexed,
    indexed,
    duplicates: 0,
    deadLettered: 0,
    undelivered: 0,
    indices: ['cloudtrail-2026-11-02'],
  };
}

describe('LedgerStore.record (dev server)', function () {
  this.timeout(30_000);
  let server: DevServer;
  let indexNumber = 0;
  const clients: ReturnType<typeof createClient>[] = [];

  before(async () => {
    server = await startDevServer({ port: 0 });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server?.close();
  });

  /** A store of its own client and index-creation memory, as another invocation has; its requests listed. */
  function store(index: string): { store: LedgerStore; requests: HttpRequest[] } {
    const client = createClient({ endpoint: server.url });
    clients.push(client);
    const http = clientHttp(client);
    const requests: HttpRequest[] = [];
    const counted: HttpCaller = {
      request: (request, limits) => {
        requests.push(request);
        return http.request(request, limits);
      },
    };
    const budget = { requestTimeoutMs: 10_000, remainingTimeMs: () => Infinity };
    return { store: new LedgerStore(index, counted, { policy: DEFAULT_RETRY, budget }), requests };
  }

  async function stored(index: string, key: string): Promise<LogFileEntry | undefined> {
    const response = await fetch(`${server.url}/${index}/_doc/${ledgerId(BUCKET, key)}`);
    const body = (await response.json()) as { found: boolean; _source: LogFileEntry };
    return body.found ? body._source : undefined;
  }

  it("an object's first entry is written in one request: attempts 1, first and last processed now", async () => {
    const index = `s${++indexNumber}-ledger`;
    const { store: ledger, requests } = store(index);
    await ledger.record(logEntry('first-of-the-index.json.gz', 1), new Date()); // creates the index
    requests.length = 0;
    const at = new Date('2026-11-02T10:00:00.000Z');
    const written = await ledger.record<LogFileEntry>(logEntry('a.json.gz', 5), at);
    assert.equal(requests.length, 1, requests.map((r) => `${r.method} ${r.path}`).join(', '));
    const entry = await stored(index, 'a.json.gz');
    assert.deepEqual(entry, written);
    assert.deepEqual(
      [entry?.attempts, entry?.firstProcessed, entry?.lastProcessed, entry?.indexed, entry?.sha256],
      [1, at.toISOString(), at.toISOString(), 5, 'ab'.repeat(32)],
    );
  });

  it('a replay counts the attempt, keeps the first processed time and takes the new counts', async () => {
    const index = `s${++indexNumber}-ledger`;
    const { store: ledger } = store(index);
    const first = new Date('2026-11-02T10:00:00.000Z');
    const second = new Date('2026-11-02T11:00:00.000Z');
    await ledger.record(logEntry('b.json.gz', 5), first);
    const again = { ...logEntry('b.json.gz', 0), duplicates: 5 };
    const written = await ledger.record<LogFileEntry>(again, second);
    const entry = await stored(index, 'b.json.gz');
    assert.deepEqual(entry, written);
    assert.deepEqual(
      [entry?.attempts, entry?.firstProcessed, entry?.lastProcessed, entry?.indexed, entry?.duplicates],
      [2, first.toISOString(), second.toISOString(), 0, 5],
    );
    const third = await ledger.record<LogFileEntry>(again, new Date('2026-11-02T12:00:00.000Z'));
    assert.equal(third.attempts, 3);
    assert.equal((await stored(index, 'b.json.gz'))?.attempts, 3);
  });

  it('two invocations recording the same new object at once: both counted (attempts 2)', async () => {
    const index = `s${++indexNumber}-ledger`;
    const [one, two] = [store(index), store(index)];
    const at = new Date('2026-11-02T10:00:00.000Z');
    await Promise.all([
      one.store.record(logEntry('c.json.gz', 5), at),
      two.store.record(logEntry('c.json.gz', 5), new Date(at.getTime() + 1000)),
    ]);
    const entry = await stored(index, 'c.json.gz');
    assert.equal(entry?.attempts, 2);
    assert.equal(entry?.lastProcessed, new Date(at.getTime() + 1000).toISOString());
  });

  it('five invocations replaying the same object at once: every one counted, the first time kept', async () => {
    const index = `s${++indexNumber}-ledger`;
    const first = new Date('2026-11-02T09:00:00.000Z');
    await store(index).store.record(logEntry('d.json.gz', 5), first);
    const stores = Array.from({ length: 5 }, () => store(index).store);
    await Promise.all(
      stores.map((ledger, n) =>
        ledger.record(logEntry('d.json.gz', 0), new Date(first.getTime() + 60_000 * (n + 1))),
      ),
    );
    const entry = await stored(index, 'd.json.gz');
    assert.equal(entry?.attempts, 6);
    assert.equal(entry?.firstProcessed, first.toISOString());
    assert.equal(entry?.lastProcessed, new Date(first.getTime() + 5 * 60_000).toISOString());
  });
});
