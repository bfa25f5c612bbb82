/**
 * A latency histogram for `l7trace stat`, with at most 0.4% relative error.
 *
 * Values are recorded in milliseconds (float). The first
 * {@linkcode RAW_VALUES} values are kept as they are, so small groups (the
 * many one-off keys of `--group-by conn`) cost a few hundred bytes and get
 * exact percentiles. Beyond that, values go into log-linear buckets of
 * integer nanoseconds (see {@linkcode ./buckets.ts}: 128 sub-buckets per
 * power of two, at most 0.39% wide); a percentile is its bucket's midpoint,
 * within 0.39% of a recorded value plus 0.5 ns of rounding (0.05% at 1 µs).
 * Count, sum, min and max are exact; percentiles are clamped to [min, max].
 *
 * Buckets live in one Uint32Array window covering only the powers of two
 * seen so far (512 bytes each) rather than all 40 (20 KiB), since `stat`
 * keeps up to 10,000 histograms. A count about to pass 2^32 - 1 turns the
 * window into a Float64Array (exact to 2^53) instead of wrapping.
 *
 * @example
 * ```ts
 * import { Histogram } from "./histogram.ts";
 *
 * const h = new Histogram();
 * for (const ms of [0.5, 1, 2, 40]) h.record(ms);
 * h.percentile(50); // 1
 * const copy = Histogram.fromJSON(JSON.parse(JSON.stringify(h)));
 * copy.merge(h); // copy.count === 8
 * ```
 *
 * @module
 */
import { bucketMidMs, bucketOfMs, checkJSON, type HistogramJSON, SUB } from "./buckets.ts";

export { BUCKETS, type HistogramJSON, MAX_NS } from "./buckets.ts";

/** Values kept exactly before a histogram switches to buckets. */
export const RAW_VALUES = 64;

const NO_COUNTS = new Uint32Array(0);
const U32_MAX = 0xffffffff;

/** A latency histogram; see the module documentation. */
export class Histogram {
  /** The values while there are at most RAW_VALUES, then null. */
  #raw: number[] | null = [];
  #counts: Uint32Array | Float64Array = NO_COUNTS;
  /** Bucket index of `#counts[0]`; a multiple of SUB. */
  #base = 0;
  #count = 0;
  #sum = 0;
  /** Neumaier compensation: the low-order bits `#sum` lost. */
  #comp = 0;
  #min = Infinity;
  #max = -Infinity;

  /**
   * Records one value in ms. NaN and +Infinity are ignored; negative values
   * are recorded as 0. O(1); allocates only for a new power of two.
   */
  record(ms: number): void {
    if (!(ms < Infinity)) return;
    if (!(ms > 0)) ms = 0;
    this.#count++;
    this.#addSum(ms);
    if (ms < this.#min) this.#min = ms;
    if (ms > this.#max) this.#max = ms;
    this.#insert(ms);
  }

  /** Number of values recorded. */
  get count(): number {
    return this.#count;
  }

  /** Sum of the recorded values (ms), with compensated summation. */
  get sum(): number {
    return this.#sum + this.#comp;
  }

  /** Smallest value recorded (exact), NaN when empty. */
  get min(): number {
    return this.#count === 0 ? NaN : this.#min;
  }

  /** Largest value recorded (exact), NaN when empty. */
  get max(): number {
    return this.#count === 0 ? NaN : this.#max;
  }

  /** Arithmetic mean of the recorded values, NaN when empty. */
  get mean(): number {
    return this.#count === 0 ? NaN : this.sum / this.#count;
  }

  /**
   * The nearest-rank percentile `p` (0..100): the value at rank
   * ceil(p/100 × count) of the sorted values (within 0.4% of it once
   * bucketed), clamped to [min, max]. p ≤ 0 gives min, p ≥ 100 max, an
   * empty histogram NaN.
   */
  percentile(p: number): number {
    return this.percentiles([p])[0]!;
  }

  /** Several percentiles (any order) in one pass. */
  percentiles(ps: readonly number[]): number[] {
    const out = ps.map(() => NaN);
    if (this.#count === 0) return out;
    const order = ps.map((_, i) => i).sort((a, b) => ps[a]! - ps[b]!);
    const sorted = this.#raw?.slice().sort((a, b) => a - b);
    const counts = this.#counts;
    let seen = 0;
    let bucket = 0;
    for (const j of order) {
      const p = ps[j]!;
      if (!(p > 0)) out[j] = this.#min;
      else if (p >= 100) out[j] = this.#max;
      else {
        // The epsilon keeps 90/100 × 1000 from ceiling to 901.
        const rank = Math.max(1, Math.ceil((p * this.#count) / 100 - 1e-9));
        if (sorted !== undefined) out[j] = sorted[rank - 1]!;
        else {
          while (seen + counts[bucket]! < rank) seen += counts[bucket++]!;
          const mid = bucketMidMs(this.#base + bucket);
          out[j] = Math.min(this.#max, Math.max(this.#min, mid));
        }
      }
    }
    return out;
  }

  /** Adds every value of `other` (a histogram or its JSON) to this one. */
  merge(other: Histogram | HistogramJSON): void {
    if (other instanceof Histogram) {
      if (other.#count === 0) return;
      if (other.#raw !== null) {
        for (const v of other.#raw) this.#insert(v);
      } else {
        this.#spill();
        const src = other.#counts;
        let lo = 0;
        while (src[lo] === 0) lo++;
        let hi = src.length - 1;
        while (src[hi] === 0) hi--;
        this.#cover(other.#base + lo, other.#base + hi);
        const off = other.#base - this.#base;
        for (let i = lo; i <= hi; i++) this.#add(off + i, src[i]!);
      }
      this.#addStats(other.#count, other.sum, other.#min, other.#max);
      return;
    }
    const pairs = checkJSON(other);
    if (other.count === 0) return;
    let index = 0;
    if (this.#raw !== null && this.#raw.length + other.count <= RAW_VALUES) {
      // Few values: keep them raw, as midpoints clamped to the exact extremes.
      for (let i = 0; i < pairs.length; i += 2) {
        index += pairs[i]!;
        const v = Math.min(other.max, Math.max(other.min, bucketMidMs(index)));
        for (let n = pairs[i + 1]!; n > 0; n--) this.#raw.push(v);
      }
    } else {
      this.#spill();
      let last = 0;
      for (let i = 0; i < pairs.length; i += 2) last += pairs[i]!;
      this.#cover(pairs[0]!, last);
      for (let i = 0; i < pairs.length; i += 2) {
        index += pairs[i]!;
        this.#add(index - this.#base, pairs[i + 1]!);
      }
    }
    this.#addStats(other.count, other.sum, other.min, other.max);
  }

  /** Forgets every value and releases the buckets. */
  clear(): void {
    this.#raw = [];
    this.#counts = NO_COUNTS;
    this.#count = this.#sum = this.#comp = 0;
    this.#min = Infinity;
    this.#max = -Infinity;
  }

  /** The compact serialized form (see {@linkcode HistogramJSON}). */
  toJSON(): HistogramJSON {
    const buckets: number[] = [];
    let prev = 0;
    const push = (index: number, count: number) => {
      // `| 0` keeps counts small integers (Smis): V8's structured clone
      // writes those as varints, a double as 9 bytes.
      buckets.push(index - prev, count < 0x40000000 ? count | 0 : count);
      prev = index;
    };
    if (this.#raw !== null) {
      const indexes = this.#raw.map(bucketOfMs).sort((a, b) => a - b);
      for (let i = 0; i < indexes.length;) {
        let j = i + 1;
        while (indexes[j] === indexes[i]) j++;
        push(indexes[i]!, j - i);
        i = j;
      }
    } else {
      const counts = this.#counts;
      for (let i = 0; i < counts.length; i++) {
        if (counts[i] !== 0) push(this.#base + i, counts[i]!);
      }
    }
    const empty = this.#count === 0;
    return {
      count: this.#count,
      sum: this.sum,
      min: empty ? 0 : this.#min,
      max: empty ? 0 : this.#max,
      buckets,
    };
  }

  /** A histogram from {@linkcode Histogram.toJSON} output; RangeError when malformed. */
  static fromJSON(json: HistogramJSON): Histogram {
    const h = new Histogram();
    h.merge(json);
    return h;
  }

  /** Adds a value to the raw list or the buckets; stats are the caller's. */
  #insert(ms: number): void {
    const raw = this.#raw;
    if (raw !== null) {
      if (raw.length < RAW_VALUES) {
        raw.push(ms);
        return;
      }
      this.#spill();
    }
    const index = bucketOfMs(ms);
    let i = index - this.#base;
    if (i < 0 || i >= this.#counts.length) {
      this.#cover(index, index);
      i = index - this.#base;
    }
    this.#add(i, 1);
  }

  /** Adds `n` to the count at window offset `i`, widening before a wrap. */
  #add(i: number, n: number): void {
    let counts = this.#counts;
    const v = counts[i]! + n;
    if (v > U32_MAX && counts instanceof Uint32Array) {
      counts = this.#counts = Float64Array.from(counts);
    }
    counts[i] = v;
  }

  /** Moves the raw values into buckets, for good. */
  #spill(): void {
    const raw = this.#raw;
    if (raw === null) return;
    this.#raw = null;
    for (const v of raw) this.#insert(v);
  }

  #addStats(count: number, sum: number, min: number, max: number): void {
    this.#count += count;
    this.#addSum(sum);
    if (min < this.#min) this.#min = min;
    if (max > this.#max) this.#max = max;
  }

  /** Compensated summation, so a mean over millions of values stays exact. */
  #addSum(x: number): void {
    const t = this.#sum + x;
    this.#comp += Math.abs(this.#sum) >= Math.abs(x) ? this.#sum - t + x : x - t + this.#sum;
    this.#sum = t;
  }

  /** Grows the window to whole powers of two covering [lo, hi]. */
  #cover(lo: number, hi: number): void {
    const old = this.#counts;
    let newLo = lo & ~(SUB - 1);
    let newHi = (hi | (SUB - 1)) + 1;
    if (old.length > 0) {
      const oldHi = this.#base + old.length;
      if (this.#base <= newLo && newHi <= oldHi) return;
      newLo = Math.min(newLo, this.#base);
      newHi = Math.max(newHi, oldHi);
    }
    const grown = old instanceof Float64Array ? new Float64Array(newHi - newLo) : new Uint32Array(newHi - newLo);
    if (old.length > 0) grown.set(old, this.#base - newLo);
    this.#counts = grown;
    this.#base = newLo;
  }
}
