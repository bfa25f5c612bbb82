import assert from "node:assert/strict";
import { bucketIndex, bucketLowerNs, bucketMidMs } from "./buckets.ts";
import { BUCKETS, Histogram, MAX_NS, RAW_VALUES } from "./histogram.ts";

/** mulberry32: a tiny seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile of sorted values, the definition Histogram uses. */
function exact(sorted: Float64Array, p: number): number {
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[sorted.length - 1]!;
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100 - 1e-9));
  return sorted[rank - 1]!;
}

const PS = [50, 90, 99, 99.9];
const N = 100_000;

/** Records the values; returns the worst relative error over `ps`. */
function worstError(values: Float64Array, ps: number[] = PS): number {
  const h = new Histogram();
  for (const v of values) h.record(v);
  const sorted = values.slice().sort();
  let worst = 0;
  const got = h.percentiles(ps);
  ps.forEach((p, i) => {
    const want = exact(sorted, p);
    const err = want === 0 ? Math.abs(got[i]!) : Math.abs(got[i]! - want) / want;
    worst = Math.max(worst, err);
  });
  assert.equal(h.count, values.length);
  assert.equal(h.min, sorted[0]);
  assert.equal(h.max, sorted[sorted.length - 1]);
  return worst;
}

function generate(f: (r: () => number) => number, seed = 1): Float64Array {
  const r = prng(seed);
  return Float64Array.from({ length: N }, () => f(r));
}

const DISTRIBUTIONS: [string, (r: () => number) => number][] = [
  ["uniform 0.001..1000 ms", (r) => 0.001 + r() * 1000],
  ["exponential mean 5 ms", (r) => -5 * Math.log(1 - r())],
  [
    "bimodal 0.2 ms / 50 ms",
    (r) => r() < 0.7 ? 0.2 + r() * 0.05 : 50 + r() * 10,
  ],
  ["log-uniform 1 µs..1 h", (r) => 0.001 * Math.pow(3.6e9, r())],
  ["1 µs and 1 h extremes", (r) => (r() < 0.5 ? 0.001 : 3_600_000)],
];

for (const [name, f] of DISTRIBUTIONS) {
  Deno.test(`percentiles within 1%: ${name}`, () => {
    for (const seed of [1, 2, 3]) {
      assert.ok(worstError(generate(f, seed)) <= 0.01);
    }
  });
}

Deno.test("every percentile of log-uniform data is within 0.5%", () => {
  const ps = Array.from({ length: 999 }, (_, i) => (i + 1) / 10);
  const err = worstError(generate(DISTRIBUTIONS[3]![1], 7), ps);
  assert.ok(err <= 0.005, `max relative error ${err}`);
});

Deno.test("a single value is reported exactly", () => {
  const h = new Histogram();
  for (let i = 0; i < 1000; i++) h.record(12.345678);
  for (const p of [0, 1, 50, 99.9, 100]) {
    assert.equal(h.percentile(p), 12.345678);
  }
  assert.equal(h.mean, 12.345678);
});

Deno.test("bucket midpoints are within 0.45% from 1 µs to 1 h", () => {
  let worst = 0;
  const r = prng(9);
  for (let i = 0; i < 200_000; i++) {
    const ms = 0.001 * Math.pow(3.6e9, r());
    const mid = bucketMidMs(bucketIndex(Math.round(ms * 1e6)));
    worst = Math.max(worst, Math.abs(mid - ms) / ms);
  }
  assert.ok(worst <= 0.0045, `max relative error ${worst}`);
});

Deno.test("bucket indexes are contiguous across octaves and 2^32", () => {
  for (
    const ns of [127, 128, 255, 256, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40]
  ) {
    const i = bucketIndex(ns);
    assert.ok(bucketLowerNs(i) <= ns && ns < bucketLowerNs(i + 1), `${ns}`);
    assert.equal(bucketIndex(bucketLowerNs(i)), i);
  }
  assert.equal(bucketIndex(2 ** 32) - bucketIndex(2 ** 32 - 1), 1);
  assert.equal(bucketIndex(MAX_NS), BUCKETS - 1);
});

Deno.test("min, max, mean and sum are exact", () => {
  const h = new Histogram();
  for (const v of [0.25, 3, 1.5, 7.75]) h.record(v);
  assert.equal(h.min, 0.25);
  assert.equal(h.max, 7.75);
  assert.equal(h.sum, 12.5);
  assert.equal(h.mean, 3.125);
});

Deno.test("empty histogram reports NaN and serializes to zeros", () => {
  const h = new Histogram();
  assert.ok(Number.isNaN(h.percentile(50)));
  assert.ok(Number.isNaN(h.min) && Number.isNaN(h.max) && Number.isNaN(h.mean));
  assert.deepEqual(h.toJSON(), {
    count: 0,
    sum: 0,
    min: 0,
    max: 0,
    buckets: [],
  });
  assert.equal(Histogram.fromJSON(h.toJSON()).count, 0);
});

Deno.test("odd inputs: NaN and Infinity ignored, negatives are 0, huge clamps", () => {
  const h = new Histogram();
  h.record(NaN);
  h.record(Infinity);
  h.record(-3);
  for (let i = 0; i < RAW_VALUES; i++) h.record(1e12);
  assert.equal(h.count, RAW_VALUES + 1);
  assert.equal(h.min, 0);
  assert.equal(h.max, 1e12);
  assert.equal(h.percentile(100), 1e12);
  // Past MAX_NS every value shares the top bucket.
  assert.ok(Math.abs(h.percentile(50) / (MAX_NS / 1e6) - 1) < 0.01);
});

Deno.test("up to RAW_VALUES values, percentiles are exact", () => {
  const h = new Histogram();
  const values = Array.from({ length: RAW_VALUES }, (_, i) => 0.001 * 1.37 ** i);
  for (const v of values) h.record(v);
  const sorted = Float64Array.from(values).sort();
  for (const p of [1, 10, 50, 90, 99]) assert.equal(h.percentile(p), exact(sorted, p));
  h.record(5); // one more: now bucketed, within 0.4%
  const all = Float64Array.from([...values, 5]).sort();
  for (const p of [1, 10, 50, 90, 99]) {
    assert.ok(Math.abs(h.percentile(p) / exact(all, p) - 1) < 0.004, `${p}`);
  }
});

Deno.test("small histograms round-trip through JSON within 0.4%", () => {
  const h = new Histogram();
  for (const v of [0.25, 0.25, 3.3333, 17.1717, 250.5]) h.record(v);
  const json = h.toJSON();
  assert.equal(json.buckets.length, 8); // four buckets, one of them twice
  const back = Histogram.fromJSON(JSON.parse(JSON.stringify(json)));
  assert.deepEqual(back.toJSON(), json);
  for (const p of [1, 25, 50, 75, 99, 100]) {
    assert.ok(Math.abs(back.percentile(p) / h.percentile(p) - 1) < 0.004);
  }
  const merged = new Histogram();
  merged.merge(h);
  merged.merge(json);
  assert.equal(merged.count, 10);
  assert.equal(merged.percentile(100), 250.5);
  assert.ok(Math.abs(merged.percentile(50) / 3.3333 - 1) < 0.004);
});

Deno.test("merge of two histograms equals one histogram of all values", () => {
  const values = generate(DISTRIBUTIONS[3]![1], 4);
  const all = new Histogram();
  const a = new Histogram();
  const b = new Histogram();
  values.forEach((v, i) => {
    all.record(v);
    // Split by magnitude so the two windows differ and merge must grow one.
    (v < 1 || i % 7 === 0 ? a : b).record(v);
  });
  const viaObject = Histogram.fromJSON(a.toJSON());
  viaObject.merge(b);
  const viaJson = Histogram.fromJSON(b.toJSON());
  viaJson.merge(JSON.parse(JSON.stringify(a)));
  for (const merged of [viaObject, viaJson]) {
    assert.deepEqual(merged.toJSON().buckets, all.toJSON().buckets);
    assert.equal(merged.count, all.count);
    assert.equal(merged.min, all.min);
    assert.equal(merged.max, all.max);
    assert.ok(Math.abs(merged.sum - all.sum) < 1e-6 * all.sum);
    assert.deepEqual(merged.percentiles(PS), all.percentiles(PS));
  }
});

Deno.test("JSON round trip keeps every bucket and statistic", () => {
  const h = new Histogram();
  for (const v of generate(DISTRIBUTIONS[1]![1], 5)) h.record(v);
  const text = JSON.stringify(h);
  const back = Histogram.fromJSON(JSON.parse(text));
  assert.deepEqual(back.toJSON(), h.toJSON());
  assert.equal(JSON.stringify(back), text);
  assert.deepEqual(structuredClone(h.toJSON()), h.toJSON());
});

Deno.test("fromJSON rejects malformed input", () => {
  const ok = { count: 2, sum: 2, min: 1, max: 1, buckets: [10, 2] };
  assert.equal(Histogram.fromJSON(ok).count, 2);
  for (
    const bad of [
      { ...ok, buckets: [10] },
      { ...ok, buckets: [10, 1, 0, 1] },
      { ...ok, buckets: [BUCKETS, 2] },
      { ...ok, buckets: [10, -2] },
      { ...ok, count: 3 },
      { ...ok, min: 2 },
    ]
  ) {
    assert.throws(() => Histogram.fromJSON(bad), RangeError);
  }
});

Deno.test("clear forgets values and the histogram is reusable", () => {
  const h = new Histogram();
  h.record(5);
  h.clear();
  assert.equal(h.count, 0);
  h.record(0.5);
  assert.equal(h.min, 0.5);
  assert.equal(h.percentile(50), 0.5);
});

Deno.test("counts past 2^32 widen instead of wrapping", () => {
  const big = 2 ** 32 - 2;
  const h = Histogram.fromJSON({ count: big, sum: big, min: 1, max: 1, buckets: [bucketIndex(1e6), big] });
  for (let i = 0; i < RAW_VALUES; i++) h.record(1);
  h.merge({ count: big, sum: big, min: 1, max: 1, buckets: [bucketIndex(1e6), big] });
  const json = h.toJSON();
  assert.equal(json.count, 2 * big + RAW_VALUES);
  assert.deepEqual(json.buckets, [bucketIndex(1e6), 2 * big + RAW_VALUES]);
  assert.equal(h.percentile(50), 1);
});
