// "Nice" axis ticks (1, 2, 5 times a power of ten) and short labels for them.
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

export function tickLabel(value: number): string {
  const a = Math.abs(value);
  if (a >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  if (a !== 0 && a < 1e-3) return value.toExponential(1);
  return String(Number(value.toPrecision(4)));
}

/** Labels for a set of ticks: as short as tickLabel, but with as many digits as it takes
 * for neighbours to differ (a learning rate that barely moves: 0.009998, 0.01). */
export function tickLabels(ticks: number[], value: (t: number) => number = (t) => t): (t: number) => string {
  const short = ticks.map((t) => tickLabel(value(t)));
  if (new Set(short).size === short.length) return (t) => tickLabel(value(t));
  for (let digits = 5; digits <= 10; digits++) {
    const long = ticks.map((t) => String(Number(value(t).toPrecision(digits))));
    if (new Set(long).size === long.length) return (t) => String(Number(value(t).toPrecision(digits)));
  }
  return (t) => String(value(t));
}
