/**
 * The dev server on a thread of its own, for a process that also runs the indexer (the demo): on one
 * thread the two take turns, on two they overlap, which is what makes `demo --records 1000000` about
 * twice as fast on a machine with a core to spare. Only the address and `close` cross the thread
 * boundary; tests that drive faults or read counts in-process use `startDevServer` directly.
 */
import { Worker } from 'node:worker_threads';
import type { DevServerOptions } from './index.js';

export interface DevServerThread {
  url: string;
  close(): Promise<void>;
}

/** What the thread posts: its address once it listens, or why it could not start. */
export type ThreadMessage = { listening: string } | { failed: string } | { closed: true };

export function startDevServerThread(options: DevServerOptions = {}): Promise<DevServerThread> {
  const worker = new Worker(new URL('./thread-entry.js', import.meta.url), { workerData: options });
  return new Promise((resolve, reject) => {
    const onExit = (code: number) =>
      reject(new Error(`the dev server thread exited with ${code} before listening`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (message: ThreadMessage) => {
      worker.off('exit', onExit);
      worker.off('error', reject);
      if ('failed' in message) {
        void worker.terminate();
        reject(new Error(message.failed));
        return;
      }
      if (!('listening' in message)) return;
      resolve({
        url: message.listening,
        close: () =>
          new Promise<void>((done) => {
            worker.once('exit', () => done());
            worker.postMessage('close');
          }),
      });
    });
  });
}
