import { describe, it } from 'node:test';
import { kolmogorovSf, smirnovSf } from './kolmogorov.js';
import { chiSquareSf, gammaincc } from './special-functions.js';
import { assertClose } from './test-support/close.js';

describe('special functions against SciPy 1.17', () => {
  it('kolmogorovSf equals scipy.stats.kstwo.sf on every branch (Ruben–Gambino, Durbin, Pelz–Good, Smirnov tail)', () => {
    // python3 -c "from scipy import stats; print([stats.kstwo.sf(x, n) for n, x in CASES])"
    const cases: [number, number, number][] = [
      [3, 0.4, 0.5946666666666665],
      [10, 0.05, 1.0],
      [10, 0.3, 0.27053557479999946],
      [50, 0.1, 0.6623112704658186],
      [60, 0.15, 0.12110534950589669],
      [140, 0.08, 0.31480749911643063],
      [141, 0.05, 0.854845693009663],
      [500, 0.03, 0.7473166700457021],
      [500, 0.08, 0.0031305058199356268],
      [800, 0.02, 0.8996953754215018],
      [2000, 0.0075, 0.9998386991703584],
      [5000, 0.012, 0.4639912166690192],
      [5000, 0.004, 0.9999977369528622],
      [20000, 0.005, 0.6974088406327613],
      [100001, 0.003, 0.32845050055711633],
      [500000, 0.002, 0.036582179671620585],
      [500000, 0.0008, 0.9059442014486022],
    ];
    for (const [n, x, expected] of cases) assertClose(kolmogorovSf(n, x), expected, 1e-9, `kstwo.sf(${x}, ${n})`);
  });

  it('kolmogorovSf keeps a small relative error deep in the Smirnov tail', () => {
    // python3 -c "from scipy import stats; print(stats.kstwo.sf(0.010851000000000055, 500000), stats.kstwo.sf(0.004, 200000), stats.kstwo.sf(0.03, 20000))"
    const tail: [number, number, number][] = [
      [500000, 0.010851000000000055, 1.4484919310553988e-51],
      [200000, 0.004, 0.003314212822560255],
      [20000, 0.03, 4.516330038670992e-16],
    ];
    for (const [n, x, expected] of tail) {
      const got = kolmogorovSf(n, x);
      if (Math.abs(got / expected - 1) > 1e-7) throw new Error(`kstwo.sf(${x}, ${n}) = ${got}, expected ${expected}`);
    }
  });

  it('smirnovSf equals scipy.special.smirnov', () => {
    // python3 -c "from scipy import special; print(special.smirnov(10, 0.3), special.smirnov(1000, 0.05), special.smirnov(200000, 0.004))"
    assertClose(smirnovSf(10, 0.3), 0.1354635556, 1e-9, 'smirnov(10, 0.3)');
    assertClose(smirnovSf(1000, 0.05), 0.006506037390545166, 1e-9, 'smirnov(1000, 0.05)');
    assertClose(smirnovSf(200000, 0.004), 0.0016571064112801276, 1e-8, 'smirnov(200000, 0.004)');
  });

  it('gammaincc and the chi-square survival function match scipy.special / scipy.stats.chi2', () => {
    // python3 -c "from scipy import special, stats; print(special.gammaincc(2.5,3.1), special.gammaincc(50,40), special.gammaincc(0.5,0.01), special.gammaincc(300,380), stats.chi2.sf(54.55757803463115,6))"
    assertClose(gammaincc(2.5, 3.1), 0.28724168342556083, 1e-12, 'Q(2.5, 3.1)');
    assertClose(gammaincc(50, 40), 0.9296649333406051, 1e-12, 'Q(50, 40)');
    assertClose(gammaincc(0.5, 0.01), 0.887537083981715, 1e-12, 'Q(0.5, 0.01)');
    assertClose(gammaincc(300, 380), 9.298762396843566e-6, 1e-9, 'Q(300, 380)');
    assertClose(chiSquareSf(54.55757803463115, 6), 5.693860410987748e-10, 1e-15, 'chi2.sf');
  });
});
