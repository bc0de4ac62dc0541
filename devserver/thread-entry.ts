/** Runs on the dev server's own thread (see thread.ts): starts it, reports its address, closes on request. */
import { parentPort, workerData } from 'node:worker_threads';
import { startDevServer, type DevServerOptions } from './index.js';
import type { ThreadMessage } from './thread.js';

const port = parentPort!;
const post = (message: ThreadMessage) => port.postMessage(message);

try {
  const server = await startDevServer(workerData as DevServerOptions);
  port.on('message', (message) => {
    if (message !== 'close') return;
    void server.close().finally(() => {
      post({ closed: true });
      port.close();
    });
  });
  post({ listening: server.url });
} catch (error) {
  post({ failed: error instanceof Error ? error.message : String(error) });
}
