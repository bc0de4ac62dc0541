/**
 * The dev server on its own thread (what the demo runs): it answers over HTTP, keeps what was written,
 * reports a port already taken, and closing it ends the thread.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDevServerThread } from '../../devserver/thread.js';

describe('dev server: on its own thread', () => {
  it('serves writes and searches, and close() ends the thread', async () => {
    const server = await startDevServerThread({ port: 0 });
    try {
      const bulk = await fetch(`${server.url}/_bulk?refresh=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: '{"create":{"_index":"t-1","_id":"a"}}\n{"n":1}\n{"create":{"_index":"t-1","_id":"b"}}\n{"n":2}\n',
      });
      assert.equal(bulk.status, 200);
      assert.equal(((await bulk.json()) as { errors: boolean }).errors, false);
      const count = (await (await fetch(`${server.url}/t-1/_count`)).json()) as { count: number };
      assert.equal(count.count, 2);
    } finally {
      await server.close();
    }
    await assert.rejects(fetch(`${server.url}/`), 'nothing listens once closed');
  });

  it('a port already taken: rejects with the listen error', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const port = (taken.address() as AddressInfo).port;
      await assert.rejects(startDevServerThread({ port }), /EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});
