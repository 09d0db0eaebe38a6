/**
 * JSON has no NaN or Infinity. Both APIs write them as protobuf's JSON mapping does — the
 * strings "NaN", "Infinity", "-Infinity" — which MLflow clients already read as numbers.
 */
export function jsonDouble(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}
