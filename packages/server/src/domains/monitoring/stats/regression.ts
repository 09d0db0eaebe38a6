import { DomainError } from '@flywheel/contract';
import { requireAligned } from './labels.js';

export interface RegressionQuality {
  count: number;
  /** Rows left out because the actual or the prediction was missing or not finite. */
  dropped: number;
  mae: number;
  rmse: number;
  /** mean(|actual − predicted| / |actual|) as a fraction (not %), over rows with a non-zero actual; null if none. */
  mape: number | null;
  /** Rows with actual = 0, which MAPE leaves out (scikit-learn divides by ε instead and explodes). */
  mapeSkipped: number;
  /** 1 − SS_res/SS_tot; when SS_tot = 0: 1 if the predictions are perfect, else 0 (scikit-learn's force_finite). */
  r2: number;
  /** mean(predicted − actual): positive when the model over-predicts (bias). */
  meanError: number;
}

/**
 * Regression quality with scikit-learn's definitions except for MAPE (see the field).
 *
 * @example
 *   regressionQuality([3, -0.5, 2, 7], [2.5, 0, 2, 8]).r2; // 0.9486…
 */
export function regressionQuality(actual: ArrayLike<number | null | undefined>, predicted: ArrayLike<number | null | undefined>): RegressionQuality {
  const n = requireAligned({ actual, predicted });
  let count = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let sumErr = 0;
  let sumApe = 0;
  let apeCount = 0;
  let sumA = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const p = predicted[i];
    if (typeof a !== 'number' || typeof p !== 'number' || !Number.isFinite(a) || !Number.isFinite(p)) continue;
    const e = p - a;
    sumAbs += Math.abs(e);
    sumSq += e * e;
    sumErr += e;
    sumA += a;
    if (a !== 0) {
      sumApe += Math.abs(e) / Math.abs(a);
      apeCount++;
    }
    count++;
  }
  if (count === 0) throw new DomainError('INVALID_INPUT', `'actual' and 'predicted' have no row where both are finite numbers.`, { field: 'actual' });
  const meanA = sumA / count;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const p = predicted[i];
    if (typeof a !== 'number' || typeof p !== 'number' || !Number.isFinite(a) || !Number.isFinite(p)) continue;
    ssTot += (a - meanA) ** 2;
  }
  const r2 = ssTot === 0 ? (sumSq === 0 ? 1 : 0) : 1 - sumSq / ssTot;
  return {
    count,
    dropped: n - count,
    mae: sumAbs / count,
    rmse: Math.sqrt(sumSq / count),
    mape: apeCount ? sumApe / apeCount : null,
    mapeSkipped: count - apeCount,
    r2,
    meanError: sumErr / count,
  };
}
