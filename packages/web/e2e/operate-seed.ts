import assert from 'node:assert/strict';
import { logisticModel } from '../../server/src/domains/serving/test-support/serving-models.js';
import type { UiServer } from './harness.js';

/** The second model version's weights: a different model, so the variants answer differently. */
export const W2 = Array.from({ length: 10 }, (_, i) => (i % 2 ? 0.3 : -0.2));
export const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);

/** A small seeded PRNG, so both dialects see the same rows. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Two ONNX logistic-regression versions of model `churn` served as variants `a` and `b` of
 * deployment `churn-live` (50/50), as the serving and monitoring tests register them.
 */
export async function seedDeployment(server: UiServer): Promise<void> {
  const { platform } = server;
  const { registry, deployments } = platform.services;
  await registry.createRegisteredModel({ name: 'churn' });
  await platform.artifacts.put('0/run1/artifacts/model/model.onnx', Buffer.from(logisticModel()));
  await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/0/run1/artifacts/model' });
  await platform.artifacts.put('0/run2/artifacts/model/model.onnx', Buffer.from(logisticModel(W2, 0.1)));
  await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/0/run2/artifacts/model' });
  await deployments.create({
    name: 'churn-live',
    config: {
      variants: [
        { name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 50 },
        { name: 'b', model: { name: 'churn', version: '2' }, role: 'primary', weight: 50 },
      ],
    },
    createdBy: 'seed',
  });
}

/** Sends `requests` Open Inference Protocol requests of `rows` rows each through the gateway (so they are logged and counted); `shift` moves f0. */
export async function sendTraffic(server: UiServer, requests: number, opts: { rows?: number; shift?: number; seed?: number; prefix?: string } = {}): Promise<string[]> {
  const rand = rng(opts.seed ?? 1);
  const ids: string[] = [];
  for (let r = 0; r < requests; r++) {
    const rows = Array.from({ length: opts.rows ?? 1 }, () => Array.from({ length: 10 }, (_, i) => (rand() * 2 - 1) * 2 + (i === 0 ? (opts.shift ?? 0) : 0)));
    const id = `${opts.prefix ?? 'req'}-${r}`;
    const res = await server.platform.app.inject({ method: 'POST', url: '/v2/models/churn-live/infer', payload: { id, inputs: [{ name: 'x', shape: [rows.length, 10], datatype: 'FP32', data: rows }] } });
    assert.equal(res.statusCode, 200, res.body);
    ids.push(id);
  }
  return ids;
}
