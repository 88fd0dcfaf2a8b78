// Downsampling for charts: the min and the max of each bucket, so spikes survive. The
// same rule as the notebook widget's kernel side (cvstudio_widgets/widgets/curves.py).
export const MAX_POINTS = 2000;

export interface XY {
  x: Float32Array;
  y: Float32Array;
}

/** At most `maxPoints` points of the first `n` of (x, y), in x order; the first and last kept. */
export function downsample(x: ArrayLike<number>, y: ArrayLike<number>, n: number, maxPoints = MAX_POINTS): XY {
  if (n <= maxPoints) {
    return { x: Float32Array.from({ length: n }, (_, i) => x[i]), y: Float32Array.from({ length: n }, (_, i) => y[i]) };
  }
  const buckets = Math.floor(maxPoints / 2);
  const keep: number[] = [0];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (y[i] < y[lo]) lo = i;
      if (y[i] > y[hi]) hi = i;
    }
    if (lo < hi) keep.push(lo, hi);
    else if (hi < lo) keep.push(hi, lo);
    else keep.push(lo);
  }
  keep.push(n - 1);
  const out: XY = { x: new Float32Array(keep.length), y: new Float32Array(keep.length) };
  let m = 0;
  let last = -1;
  for (const i of keep) {
    if (i === last) continue;
    out.x[m] = x[i];
    out.y[m] = y[i];
    m++;
    last = i;
  }
  return { x: out.x.subarray(0, m), y: out.y.subarray(0, m) };
}

/** A growing numeric column: appends in amortised O(1), read as a typed array view. */
export class Column {
  data = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
