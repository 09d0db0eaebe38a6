/**
 * The distribution of the one-sample two-sided Kolmogorov–Smirnov statistic D_n, P(D_n ≥ x):
 * scipy.stats.kstwo.sf(x, n), which scipy's ks_2samp uses in its asymptotic mode with
 * n = round(n1·n2/(n1+n2)). Ported from scipy/stats/_ksstats.py (`_kolmogn`), following
 * Simard & L'Ecuyer, "Computing the Two-Sided Kolmogorov-Smirnov Distribution", J. Stat. Softw.
 * 39(11), 2011, with the same case split:
 *   - Ruben–Gambino closed forms for n·x ≤ 1 and n·x ≥ n − 1;
 *   - x ≥ 0.5: exactly 2·P(D_n⁺ ≥ x);
 *   - n ≤ 140: the Durbin matrix (Marsaglia–Tsang–Wang) for n·x² ≤ 4 — scipy uses Pomeranz's
 *     recursion between 0.754693 and 4, which is also exact, so the two agree to rounding —
 *     else Miller's 2·P(D_n⁺ ≥ x);
 *   - n > 140: 0 for n·x² ≥ 370, 2·P(D_n⁺ ≥ x) for n·x² ≥ 2.2, else 1 − CDF with the CDF from the
 *     Durbin matrix (n ≤ 100000 and n·x^1.5 ≤ 1.4) or the Pelz–Good expansion.
 * P(D_n⁺ ≥ x) (scipy.special.smirnov) is the Birnbaum–Tingey sum, evaluated term by term in logs
 * (all terms are positive), where cephes uses double-double arithmetic: the two agree to about
 * 1e-8 relative for n up to 10⁶ (1e-10 below 10⁵); absolute errors stay below 1e-12.
 */

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
// Bernoulli coefficients B_2j/(2j(2j−1)), j = 8 … 1, as the shortest doubles that round-trip.
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417, -0.0005952380952380953,
  0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

const clip = (p: number) => Math.min(1, Math.max(0, p));

/** P(D_n ≥ x) for the two-sided one-sample statistic. */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= (i / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip(1 - cdf);
  }
  if (t >= n - 1) return clip(2 * (1 - x) ** n);
  if (x >= 0.5) return clip(2 * smirnovSf(n, x));
  const nxx = t * x;
  if (n <= 140) {
    if (nxx <= 4) return clip(1 - durbinCdf(n, x));
    return clip(2 * smirnovSf(n, x));
  }
  if (nxx >= 370) return 0;
  if (nxx >= 2.2) return clip(2 * smirnovSf(n, x));
  let cdf: number;
  if (nxx >= 18) cdf = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = durbinCdf(n, x);
  else cdf = pelzGoodCdf(n, x);
  return clip(1 - cdf);
}

/** ln(n! / n^n) by Stirling's series with n·ln n removed up front (scipy's _log_nfactorial_div_n_pow_n). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  const r2 = rn / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * r2 + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/**
 * P(D_n⁺ ≥ x) = x · Σ_{j=0}^{⌊n(1−x)⌋} C(n,j) (1 − x − j/n)^{n−j} (x + j/n)^{j−1}
 * (Birnbaum & Tingey 1951), summed from the largest term in logs.
 */
export function smirnovSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const last = Math.floor(n * (1 - x));
  // One pass with a running maximum (log-sum-exp). The log-terms are concave in j, so once they
  // fall 50 nats (e^-50 ≈ 2e-22) below the maximum on the way down, the rest cannot matter.
  let logBinom = 0; // ln C(n, 0)
  let maxLog = Number.NEGATIVE_INFINITY;
  let prev = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let j = 0; j <= last; j++) {
    if (j > 0) logBinom += Math.log((n - j + 1) / j);
    const rest = 1 - x - j / n;
    const l = rest <= 0 ? (n - j === 0 ? 0 : Number.NEGATIVE_INFINITY) : logBinom + (n - j) * Math.log(rest) + (j - 1) * Math.log(x + j / n);
    if (l > maxLog) {
      sum = sum * Math.exp(maxLog - l) + 1;
      maxLog = l;
    } else if (l !== Number.NEGATIVE_INFINITY) {
      sum += Math.exp(l - maxLog);
      if (l < prev && l < maxLog - 50) break;
    }
    prev = l;
  }
  if (maxLog === Number.NEGATIVE_INFINITY) return 0;
  return clip(x * sum * Math.exp(maxLog));
}

/** P(D_n < d) by the Durbin matrix, as Marsaglia, Tsang & Wang (2003), with scipy's scaling. */
function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array<ArrayBuffer> = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let P: Float64Array<ArrayBuffer> = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let hExpnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      P = matmul(P, H, m);
      expnt += hExpnt;
    }
    H = matmul(H, H, m);
    hExpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]!) > EP128) {
      for (let i = 0; i < m * m; i++) H[i]! /= EP128;
      hExpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = P[(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p *= 2 ** expnt;
  return clip(p);
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l]!;
      if (ail === 0) continue;
      const bo = l * m;
      const oo = i * m;
      for (let j = 0; j < m; j++) out[oo + j]! += ail * b[bo + j]!;
    }
  }
  return out;
}

/** The Pelz–Good (1976) asymptotic expansion of P(D_n ≤ x), term for term as scipy's. */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = q ** (8 * k);
    K[0] = K[0]! * qp + 1;
    K[1] = K[1]! * qp + (k1a + k1b * m2);
    K[2] = K[2]! * qp + (k2a + k2b * m2 + k2c * m4);
    K[3] = K[3]! * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / div[i]!;
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const ks2 = k * k;
    const qp = q ** ks2;
    k2extra += ks2 * qp;
    const kspi = Math.PI * k;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
  }
  K[2] = K[2]! + (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K[3] = K[3]! + (k3extra * PI2 * SQRT2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}
