/**
 * Every document's `_source`, byte for byte as it was sent, in blocks of about 256 KiB. A full block is
 * compressed with Brotli at quality 0 (CloudTrail JSON shrinks about seven-fold at a few microseconds
 * per document, several times faster than the fastest deflate), so a million events take a few hundred
 * megabytes instead of gigabytes; reading a source decompresses its block, and the last few
 * decompressed blocks are kept for the next reads.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { GrowableInt32 } from './growable.js';

const blockBytes = 256 * 1024;
const fastest = {
  params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_SIZE_HINT]: blockBytes },
};
const cachedBlocks = 4;

export class SourceStore {
  private readonly sealed: Buffer[] = [];
  private open = Buffer.allocUnsafe(blockBytes);
  private openUsed = 0;
  private readonly docBlock = new GrowableInt32();
  private readonly docOffset = new GrowableInt32();
  private readonly docLength = new GrowableInt32();
  private readonly inflated = new Map<number, Buffer>();
  private storedBytes = 0;

  constructor(private readonly compress = true) {}

  /** Appends a source; returns its number (the document ordinal). */
  append(bytes: Buffer | Uint8Array, start = 0, end = bytes.length): number {
    const length = end - start;
    if (this.openUsed + length > this.open.length) this.seal(length);
    if (bytes instanceof Buffer) bytes.copy(this.open, this.openUsed, start, end);
    else this.open.set(bytes.subarray(start, end), this.openUsed);
    this.docBlock.push(this.sealed.length);
    this.docOffset.push(this.openUsed);
    this.openUsed += length;
    this.storedBytes += length;
    return this.docLength.push(length);
  }

  length(ord: number): number {
    return this.docLength.get(ord);
  }

  read(ord: number): string {
    const block = this.docBlock.get(ord);
    const offset = this.docOffset.get(ord);
    const bytes = block === this.sealed.length ? this.open : this.inflate(block);
    return bytes.toString('utf8', offset, offset + this.docLength.get(ord));
  }

  /** Bytes of memory the sources occupy now (compressed blocks plus the open one). */
  bytes(): number {
    return this.sealed.reduce((sum, block) => sum + block.length, 0) + this.open.length;
  }

  /** Uncompressed bytes of every source ever stored. */
  rawBytes(): number {
    return this.storedBytes;
  }

  private seal(incoming: number): void {
    if (this.openUsed > 0) {
      const used = this.open.subarray(0, this.openUsed);
      this.sealed.push(this.compress ? brotliCompressSync(used, fastest) : Buffer.from(used));
    }
    // The sealed block is a copy, so the open block is reused: its pages are already mapped, and
    // writing into fresh memory (a page fault every 4 KiB) costs more than the copy itself.
    if (incoming > this.open.length) this.open = Buffer.allocUnsafe(incoming);
    this.openUsed = 0;
  }

  private inflate(block: number): Buffer {
    const cached = this.inflated.get(block);
    if (cached) return cached;
    const stored = this.sealed[block]!;
    const bytes = this.compress ? brotliDecompressSync(stored) : stored;
    if (this.inflated.size >= cachedBlocks) this.inflated.delete(this.inflated.keys().next().value!);
    this.inflated.set(block, bytes);
    return bytes;
  }
}
