/**
 * Agreement between a shadow's outputs and the answered outputs of the same request, as logged
 * (`{name: {type, shape, data}}` JSON). Pure: no I/O.
 *
 * The output compared: the first of the shadow's outputs that the answered row also has, or — when
 * they share no name and each has exactly one output — those two. Both must have the same shape;
 * otherwise (or when either payload was truncated) the pair is *incomparable*. Rows are compared
 * one by one along the first (batch) dimension:
 * - **label**: string, bool or integer outputs — a row agrees when all its values are equal;
 * - **argmax**: float outputs with more than one value per row (class scores) — a row agrees
 *   when the index of its largest value is the same;
 * - **numeric**: float outputs with one value per row — a row agrees when
 *   `|shadow − answered| ≤ tolerance × max(|shadow|, |answered|)` (equal values always agree).
 * `meanAbsDiff` is the mean of `|shadow − answered|` over every float value compared (argmax and
 * numeric rows), null when none was.
 */

export const DEFAULT_AGREEMENT_TOLERANCE = 0.01; // 1 % relative

export type AgreementKind = 'label' | 'argmax' | 'numeric';

export interface Agreement {
  /** Rows compared. */
  compared: number;
  agreed: number;
  /** agreed / compared; null when nothing was compared. */
  rate: number | null;
  /** The kind of comparison; 'mixed' when pairs in the window needed different kinds. */
  kind: AgreementKind | 'mixed' | null;
  meanAbsDiff: number | null;
  /** Pairs (requests) whose outputs could not be compared. */
  incomparable: number;
  tolerance: number;
}

interface LoggedTensor {
  type: string;
  shape: number[];
  data: (number | string | boolean | null)[];
}

const FLOAT = new Set(['float32', 'float64']);

function parse(json: string): Record<string, LoggedTensor> | null {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || '$truncated' in v) return null;
  return v as Record<string, LoggedTensor>;
}

function pickPair(a: Record<string, LoggedTensor>, s: Record<string, LoggedTensor>): [LoggedTensor, LoggedTensor] | null {
  for (const name of Object.keys(s)) if (a[name]) return [a[name], s[name]!];
  const an = Object.keys(a);
  const sn = Object.keys(s);
  return an.length === 1 && sn.length === 1 ? [a[an[0]!]!, s[sn[0]!]!] : null;
}

const num = (v: number | string | boolean | null | undefined): number => (v === null || v === undefined ? NaN : Number(v));

/** Accumulates pairs of logged outputs (answered, shadow) into an {@link Agreement}. */
export class AgreementCounter {
  private compared = 0;
  private agreed = 0;
  private incomparable = 0;
  private absDiff = 0;
  private diffs = 0;
  private readonly kinds = new Set<AgreementKind>();

  constructor(readonly tolerance: number = DEFAULT_AGREEMENT_TOLERANCE) {}

  add(answeredJson: string, shadowJson: string): void {
    const a = parse(answeredJson);
    const s = parse(shadowJson);
    const pair = a && s ? pickPair(a, s) : null;
    if (!pair) {
      this.incomparable++;
      return;
    }
    const [x, y] = pair;
    if (!Array.isArray(x.shape) || !Array.isArray(y.shape) || x.shape.join() !== y.shape.join() || !Array.isArray(x.data) || x.data.length !== y.data.length) {
      this.incomparable++;
      return;
    }
    const rows = x.shape.length === 0 ? 1 : x.shape[0]!;
    const width = rows === 0 ? 0 : x.data.length / rows;
    const float = FLOAT.has(x.type) && FLOAT.has(y.type);
    const kind: AgreementKind = !float ? 'label' : width > 1 ? 'argmax' : 'numeric';
    this.kinds.add(kind);
    for (let r = 0; r < rows; r++) {
      const lo = r * width;
      let agrees: boolean;
      if (kind === 'label') {
        agrees = true;
        for (let i = lo; i < lo + width; i++) if (String(x.data[i]) !== String(y.data[i])) agrees = false;
      } else {
        let ax = lo;
        let ay = lo;
        for (let i = lo; i < lo + width; i++) {
          const d = Math.abs(num(x.data[i]) - num(y.data[i]));
          if (Number.isFinite(d)) {
            this.absDiff += d;
            this.diffs++;
          }
          if (num(x.data[i]) > num(x.data[ax])) ax = i;
          if (num(y.data[i]) > num(y.data[ay])) ay = i;
        }
        if (kind === 'argmax') agrees = ax === ay;
        else {
          const p = num(x.data[lo]);
          const q = num(y.data[lo]);
          agrees = p === q || (Number.isNaN(p) && Number.isNaN(q)) || Math.abs(p - q) <= this.tolerance * Math.max(Math.abs(p), Math.abs(q));
        }
      }
      this.compared++;
      if (agrees) this.agreed++;
    }
  }

  result(): Agreement {
    return {
      compared: this.compared,
      agreed: this.agreed,
      rate: this.compared > 0 ? this.agreed / this.compared : null,
      kind: this.kinds.size === 0 ? null : this.kinds.size > 1 ? 'mixed' : [...this.kinds][0]!,
      meanAbsDiff: this.diffs > 0 ? this.absDiff / this.diffs : null,
      incomparable: this.incomparable,
      tolerance: this.tolerance,
    };
  }
}
