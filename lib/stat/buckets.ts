/**
 * The bucket layout of {@linkcode ./histogram.ts}: log-linear, like
 * HdrHistogram. Values are integer nanoseconds; below 256 ns each value has
 * its own bucket, and above, every power-of-two range [2^k, 2^(k+1)) is
 * split into 128 equal sub-buckets. A bucket is therefore at most 1/128 of
 * its lower bound wide, and its midpoint is within 1/256 (0.39%) of any
 * value in it. Also the serialized form, {@linkcode HistogramJSON}.
 *
 * @module
 */

/** log2 of the number of linear sub-buckets per power-of-two range. */
export const SUB_BITS = 7;
/** Sub-buckets per power-of-two range; also the histogram window's unit. */
export const SUB = 1 << SUB_BITS;
const TWO_32 = 4294967296;

/** Largest value bucketed distinctly, in ns (2^46 - 1 ns ≈ 19.5 h). */
export const MAX_NS = 2 ** 46 - 1;

/** 2^s for every shift, so large values avoid Math.pow on the hot path. */
const POW2 = new Float64Array(64).map((_, s) => 2 ** s);

/**
 * Bucket index of an integer number of nanoseconds in [0, MAX_NS]. O(1)
 * with Math.clz32; values ≥ 2^32 ns (4.3 s) take the top 32 bits' clz.
 */
export function bucketIndex(ns: number): number {
  if (ns < TWO_32) {
    const k = 31 - Math.clz32(ns);
    if (k < SUB_BITS) return ns;
    const shift = k - SUB_BITS;
    return (shift << SUB_BITS) + (ns >>> shift);
  }
  // clz32 truncates its argument (ToUint32), which floors ns / 2^32 here.
  const shift = 63 - Math.clz32(ns / TWO_32) - SUB_BITS;
  return shift * SUB + Math.floor(ns / POW2[shift]!);
}

/** Bucket index of a value in ms: rounded to ns, clamped to [0, MAX_NS]. */
export function bucketOfMs(ms: number): number {
  const ns = Math.round(ms * 1e6);
  return bucketIndex(ns > MAX_NS ? MAX_NS : ns > 0 ? ns : 0);
}

/** Number of buckets: indexes are in [0, BUCKETS). */
export const BUCKETS = bucketIndex(MAX_NS) + 1;

/** Smallest nanosecond value of bucket `index`. */
export function bucketLowerNs(index: number): number {
  if (index < 2 * SUB) return index;
  const shift = (index >>> SUB_BITS) - 1;
  return (index - (shift << SUB_BITS)) * POW2[shift]!;
}

/** Midpoint of bucket `index` in ms: the value a percentile reports. */
export function bucketMidMs(index: number): number {
  const width = index < 2 * SUB ? 1 : POW2[(index >>> SUB_BITS) - 1]!;
  return (bucketLowerNs(index) + (width - 1) / 2) / 1e6;
}

/**
 * Serialized histogram for postMessage and JSON. `buckets` is a flat list of
 * `[index delta, count]` pairs for the non-empty buckets in index order; the
 * first delta is from index 0. Deltas keep the numbers small, which shrinks
 * both JSON text and structured-clone varints. Raw values are serialized as
 * buckets too: one format, and the error bound still holds after a merge.
 */
export interface HistogramJSON {
  count: number;
  sum: number;
  min: number;
  max: number;
  buckets: number[];
}

/** Validates serialized input: it comes from other threads, never trust sizes. */
export function checkJSON(json: HistogramJSON): number[] {
  const pairs = json.buckets;
  const bad = (why: string) => new RangeError(`Invalid histogram JSON: ${why}`);
  if (!Array.isArray(pairs) || pairs.length % 2 !== 0) throw bad("buckets");
  let index = 0;
  let total = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const delta = pairs[i]!;
    const count = pairs[i + 1]!;
    if (!Number.isInteger(delta) || delta < (i === 0 ? 0 : 1)) {
      throw bad("index");
    }
    index += delta;
    if (index >= BUCKETS) throw bad("index");
    if (!Number.isInteger(count) || count <= 0) throw bad("count");
    total += count;
  }
  if (total !== json.count) throw bad("count");
  if (total > 0 && !(json.min <= json.max)) throw bad("min/max");
  if (!Number.isFinite(json.sum)) throw bad("sum");
  return pairs;
}
