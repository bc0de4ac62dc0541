/**
 * Every document's `_source`, byte for byte as it was sent, in blocks of about 256 KiB. A full block is
 * compressed with Brotli at quality 0 (CloudTrail JSON shrinks about seven-fold at a few microseconds
 * per document, several times faster than the fastest deflate), so a million events take a few hundred
 * megabytes instead of gigabytes; reading a source decompresses its block, and the last few
 * decompressed blocks are kept for the next reads.
 *
 * Given a BlockCompressor, blocks are written in shared memory and compressed on its worker thread:
 * a full block waits there, read as it is, until its compressed bytes come back, and its memory then
 * takes the next sources. At most `maxWaiting` blocks wait; past that a block is compressed here, so
 * the memory stays bounded however far the worker falls behind.
 */
import { brotliDecompressSync } from 'node:zlib';
import { blockBytes, compressBlock, type BlockCompressor } from './block-compressor.js';
import { GrowableInt32 } from './growable.js';

const cachedBlocks = 4;
const maxWaiting = 8;

export class SourceStore {
  /** Compressed blocks (or copies, uncompressed); undefined while a block waits for the worker. */
  private readonly sealed: (Buffer | undefined)[] = [];
  /** Blocks waiting for the worker, by block number: their bytes as written. */
  private readonly waiting = new Map<number, Buffer>();
  /** Shared blocks back from the worker, to write the next sources into. */
  private readonly spare: Buffer[] = [];
  private open: Buffer;
  private openUsed = 0;
  private readonly docBlock = new GrowableInt32();
  private readonly docOffset = new GrowableInt32();
  private readonly docLength = new GrowableInt32();
  private readonly inflated = new Map<number, Buffer>();
  private storedBytes = 0;

  constructor(
    private readonly compress = true,
    private readonly compressor?: BlockCompressor,
  ) {
    this.open = this.newBlock();
  }

  /** Appends a source; returns its number (the document ordinal). */
  append(bytes: Buffer | Uint8Array, start = 0, end = bytes.length): number {
    const length = end - start;
    if (this.openUsed + length > this.open.length) this.seal(length);
    this.open.set(bytes.subarray(start, end), this.openUsed);
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
    const bytes = block === this.sealed.length ? this.open : (this.waiting.get(block) ?? this.inflate(block));
    return bytes.toString('utf8', offset, offset + this.docLength.get(ord));
  }

  /** Bytes of memory the sources occupy now (stored blocks, waiting and spare ones, the open one). */
  bytes(): number {
    let bytes = this.open.length + (this.waiting.size + this.spare.length) * blockBytes;
    for (const block of this.sealed) bytes += block?.length ?? 0;
    return bytes;
  }

  /** Full blocks still waiting for the worker to compress them. */
  get waitingBlocks(): number {
    return this.waiting.size;
  }

  /** Uncompressed bytes of every source ever stored. */
  rawBytes(): number {
    return this.storedBytes;
  }

  /** Ends the open block and starts the next, large enough for `incoming` bytes. */
  private seal(incoming: number): void {
    let reuse = true;
    if (this.openUsed > 0) {
      const used = this.open.subarray(0, this.openUsed);
      if (!this.compress) this.sealed.push(Buffer.from(used));
      else if (this.canHandOff()) {
        this.handOff(this.open, this.openUsed);
        reuse = false;
      } else this.sealed.push(compressBlock(used));
    }
    // A sealed block is a copy, so the open block is reused: its pages are already mapped, and
    // writing into fresh memory (a page fault every 4 KiB) costs more than the copy itself.
    if (incoming > blockBytes) {
      if (!reuse || incoming > this.open.length) this.open = Buffer.allocUnsafe(incoming);
    } else if (!reuse || this.open.length !== blockBytes) this.open = this.newBlock();
    this.openUsed = 0;
  }

  private canHandOff(): boolean {
    return (
      this.compressor !== undefined &&
      this.waiting.size < maxWaiting &&
      this.open.buffer instanceof SharedArrayBuffer &&
      this.open.length === blockBytes
    );
  }

  /** Sends the block to the worker; it is read where it is until it comes back compressed. */
  private handOff(block: Buffer, used: number): void {
    const number = this.sealed.length;
    this.sealed.push(undefined);
    this.waiting.set(number, block);
    this.compressor!.compress(block.buffer as SharedArrayBuffer, used, (compressed) => {
      this.sealed[number] = compressed;
      this.waiting.delete(number);
      this.spare.push(block);
    });
  }

  /** A block of the usual size: in shared memory when a worker compresses them (a spare one if any). */
  private newBlock(): Buffer {
    if (!this.compress || !this.compressor) return Buffer.allocUnsafe(blockBytes);
    return this.spare.pop() ?? Buffer.from(new SharedArrayBuffer(blockBytes));
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
