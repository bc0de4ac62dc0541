/**
 * Preloaded into a child process (`node --import <this file>`) to move its clock by SHIFT_CLOCK_MS
 * milliseconds: `Date.now()` and `new Date()` read the shifted time, as on a machine whose clock is
 * wrong or on a later day. Timers and performance.now() are left alone.
 */
const shift = Number(process.env.SHIFT_CLOCK_MS ?? 0);
const RealDate = Date;

class ShiftedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() + shift);
    else super(...(args as [string]));
  }

  static override now(): number {
    return RealDate.now() + shift;
  }
}

globalThis.Date = ShiftedDate as DateConstructor;
