import { seededRandom } from '@flywheel/server/seeded-random';

/**
 * YarnIt, the yarn retailer of the seeds: will a shopper re-order yarn within 30 days? The features
 * a recommendation team would have, generated from a known ground truth so the demo's model has
 * something real to learn, and a "drift" switch that moves the shoppers the way a price rise and
 * a marketing push to new customers would.
 */
export const FEATURES = ['price', 'discount', 'tenure_days', 'past_orders', 'days_since_last', 'basket_size', 'is_wool', 'session_minutes'] as const;
export type Feature = (typeof FEATURES)[number];

export interface Shopper {
  x: number[];
  /** 1: re-ordered within 30 days. */
  y: 0 | 1;
}

/** Box–Muller normal from a uniform generator. */
function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** `n` shoppers from `seed`; `drift` shifts prices up and brings many new, less loyal shoppers. */
export function shoppers(n: number, seed: number, opts: { drift?: boolean } = {}): Shopper[] {
  const rand = seededRandom(seed);
  const out: Shopper[] = [];
  for (let i = 0; i < n; i++) {
    const drift = opts.drift === true;
    const price = Math.max(2, (drift ? 14 : 9) + 3 * normal(rand));
    const discount = rand() < (drift ? 0.15 : 0.35) ? Math.round(rand() * 30) : 0;
    const tenure = Math.max(0, (drift ? 60 : 420) + (drift ? 80 : 300) * normal(rand));
    const pastOrders = Math.max(0, Math.round(tenure / 90 + 2 * normal(rand)));
    const sinceLast = Math.max(1, 30 + 25 * normal(rand));
    const basket = Math.max(1, Math.round(3 + 2 * normal(rand)));
    const wool = rand() < 0.55 ? 1 : 0;
    const session = Math.max(0.5, 12 + 6 * normal(rand));
    const x = [price, discount, tenure, pastOrders, sinceLast, basket, wool, session];
    // The ground truth the model should find: loyal, recent, discounted wool buyers come back.
    const z = -1.2 - 0.18 * (price - 9) + 0.05 * discount + 0.0015 * tenure + 0.22 * pastOrders - 0.035 * (sinceLast - 30) + 0.1 * basket + 0.5 * wool + 0.02 * session;
    const p = 1 / (1 + Math.exp(-z));
    out.push({ x: x.map((v) => Math.round(v * 100) / 100), y: rand() < p ? 1 : 0 });
  }
  return out;
}

/** The shoppers as CSV (features and the label), as the data team would hand it over. */
export function toCsv(rows: Shopper[]): string {
  const lines = [[...FEATURES, 'reordered'].join(',')];
  for (const r of rows) lines.push([...r.x, r.y].join(','));
  return `${lines.join('\n')}\n`;
}
