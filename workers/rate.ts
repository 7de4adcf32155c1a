/** Throughput measured over a sliding window, for progress events (units per second). */
export class RateMeter {
  private samples: [number, number][] = [];
  constructor(private readonly windowMs = 5000) {}

  /** Records the running total `done` now and returns the recent rate. */
  update(done: number, now = Date.now()): number {
    this.samples.push([now, done]);
    while (this.samples.length > 2 && now - this.samples[0][0] > this.windowMs) this.samples.shift();
    const [t0, d0] = this.samples[0];
    return now > t0 ? ((done - d0) * 1000) / (now - t0) : 0;
  }
}

/** Calls `fn` at most every `ms` milliseconds (and always when forced). */
export function throttle(ms: number): (force?: boolean) => boolean {
  let last = 0;
  return (force = false) => {
    const now = Date.now();
    if (!force && now - last < ms) return false;
    last = now;
    return true;
  };
}
