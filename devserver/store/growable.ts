/**
 * Append-only typed arrays that double their capacity when full. The index keeps every per-document
 * and per-value fact in these rather than in JS objects, so a million documents cost a few typed
 * arrays instead of millions of small objects for the garbage collector to trace.
 */

type TypedArray = Int32Array | Float64Array | Uint8Array | Uint32Array;
type TypedArrayConstructor<T extends TypedArray> = new (length: number) => T;

class Growable<T extends TypedArray> {
  array: T;
  length = 0;

  constructor(
    private readonly create: TypedArrayConstructor<T>,
    initialCapacity: number,
  ) {
    this.array = new create(Math.max(4, initialCapacity));
  }

  push(value: number): number {
    if (this.length === this.array.length) this.grow(this.length + 1);
    this.array[this.length] = value;
    return this.length++;
  }

  /** Makes room for `count` more values; returns the index of the first. */
  reserve(count: number): number {
    if (this.length + count > this.array.length) this.grow(this.length + count);
    const start = this.length;
    this.length += count;
    return start;
  }

  get(index: number): number {
    return this.array[index]!;
  }

  set(index: number, value: number): void {
    this.array[index] = value;
  }

  /** A view of the values written so far (shares memory; invalid after the next growth). */
  view(): T {
    return this.array.subarray(0, this.length) as T;
  }

  bytes(): number {
    return this.array.byteLength;
  }

  private grow(needed: number): void {
    let capacity = this.array.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new this.create(capacity);
    next.set(this.array);
    this.array = next;
  }
}

export class GrowableInt32 extends Growable<Int32Array> {
  constructor(initialCapacity = 64) {
    super(Int32Array, initialCapacity);
  }
}

export class GrowableFloat64 extends Growable<Float64Array> {
  constructor(initialCapacity = 64) {
    super(Float64Array, initialCapacity);
  }
}

export class GrowableUint8 extends Growable<Uint8Array> {
  constructor(initialCapacity = 64) {
    super(Uint8Array, initialCapacity);
  }
}
