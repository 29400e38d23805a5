/** The USL fit on synthetic data with known parameters, the underdetermined cases, and the bootstrap band. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapUslBand, fitUsl, uslPeak, uslRate } from '../../harness/capacity/usl-fit.js';

const truth = { lambda: 900, sigma: 0.06, kappa: 0.004 };

test('recovers lambda, sigma and kappa from exact points of a known curve', () => {
  const points = [1, 2, 3, 4, 6, 8, 12, 16].map((n) => ({ nodes: n, rate: uslRate(truth, n) }));
  const fit = fitUsl(points);
  assert.equal(fit.underdetermined, false);
  assert.ok(Math.abs(fit.lambda - truth.lambda) / truth.lambda < 0.01, `lambda ${fit.lambda}`);
  assert.ok(Math.abs(fit.sigma - truth.sigma) < 0.005, `sigma ${fit.sigma}`);
  assert.ok(Math.abs(fit.kappa - truth.kappa) < 0.0005, `kappa ${fit.kappa}`);
  const peak = uslPeak(truth)!;
  assert.ok(Math.abs(fit.peakNodes! - peak.nodes) / peak.nodes < 0.05, `peak at ${fit.peakNodes} vs ${peak.nodes}`);
});

test('with noise the parameters stay close, and sigma/kappa never go negative', () => {
  let seed = 7;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.02; // +-1%
  const points = [1, 2, 3, 4, 5, 6, 8, 10].map((n) => ({ nodes: n, rate: uslRate(truth, n) * (1 + noise()) }));
  const fit = fitUsl(points);
  assert.ok(Math.abs(fit.sigma - truth.sigma) < 0.03, `sigma ${fit.sigma}`);
  assert.ok(Math.abs(fit.kappa - truth.kappa) < 0.003, `kappa ${fit.kappa}`);
  // Perfectly linear data would want a negative sigma: the bounds hold it at 0.
  const superLinear = [1, 2, 3, 4].map((n) => ({ nodes: n, rate: 100 * n ** 1.05 }));
  const bounded = fitUsl(superLinear);
  assert.ok(bounded.sigma >= 0 && bounded.kappa >= 0, JSON.stringify(bounded));
});

test('two node counts: underdetermined, kappa held at 0 and said so; the two points are met exactly', () => {
  const points = [
    { nodes: 1, rate: 800 },
    { nodes: 2, rate: 1400 },
  ];
  const fit = fitUsl(points);
  assert.equal(fit.underdetermined, true);
  assert.equal(fit.kappa, 0);
  assert.match(fit.note, /kappa held at 0/);
  assert.ok(Math.abs(uslRate(fit, 1) - 800) < 2 && Math.abs(uslRate(fit, 2) - 1400) < 2, JSON.stringify(fit));
  // 1400 = 2 * 800 / (1 + sigma) -> sigma = 1/7
  assert.ok(Math.abs(fit.sigma - 1 / 7) < 0.005, `sigma ${fit.sigma}`);
  assert.equal(fit.peakNodes, null);
});

test('one node count: only lambda is known', () => {
  const fit = fitUsl([{ nodes: 1, rate: 640 }]);
  assert.equal(fit.underdetermined, true);
  assert.equal(fit.lambda, 640);
  assert.equal(fit.sigma, 0);
  assert.match(fit.note, /one node count/);
});

test('the bootstrap band contains the fit and widens with noisier samples', () => {
  const tight = [
    { nodes: 1, perSecond: [790, 800, 810, 805, 795] },
    { nodes: 2, perSecond: [1390, 1400, 1410, 1405, 1395] },
  ];
  const loose = [
    { nodes: 1, perSecond: [600, 1000, 800, 700, 900] },
    { nodes: 2, perSecond: [1000, 1800, 1400, 1200, 1600] },
  ];
  const axis = [1, 2, 3, 4];
  const a = bootstrapUslBand(tight, axis, 200, 1);
  const b = bootstrapUslBand(loose, axis, 200, 1);
  const fit = fitUsl([{ nodes: 1, rate: 800 }, { nodes: 2, rate: 1400 }]);
  for (const band of a) assert.ok(band.low <= uslRate(fit, band.nodes) + 1 && band.high >= uslRate(fit, band.nodes) - 1, JSON.stringify(band));
  assert.ok(b[3]!.high - b[3]!.low > 3 * (a[3]!.high - a[3]!.low), `${JSON.stringify(a[3])} vs ${JSON.stringify(b[3])}`);
});
