/**
 * The worker thread of BlockCompressor: compresses each block it is sent (in shared memory) and sends
 * back the compressed bytes in a buffer of their own, transferred rather than copied.
 */
import { parentPort } from 'node:worker_threads';
import { compressBlock, type CompressReply, type CompressRequest } from './block-compressor.js';

parentPort!.on('message', (request: CompressRequest) => {
  const compressed = compressBlock(new Uint8Array(request.buffer, 0, request.length));
  // A copy of exactly the compressed bytes: the result may share a larger buffer.
  const owned = new Uint8Array(compressed).buffer;
  const reply: CompressReply = { id: request.id, compressed: owned };
  parentPort!.postMessage(reply, [owned]);
});
