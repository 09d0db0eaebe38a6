/**
 * CPU per call of each step the gateway runs for one single-row OIP request (parse, decode,
 * signature check, log payload, inference id, response), one at a time in a loop: where a
 * request's microseconds go outside HTTP, the model and the log commit. Not a test. Run:
 *   node --conditions=flywheel-source --import tsx bench/serving/request-steps.ts
 */
import type { TensorSpec } from '@flywheel/contract';
import { decodeOipRequest, encodeOipResponseText } from '../../packages/server/src/domains/serving/oip-codec.js';
import { checkStructure } from '../../packages/server/src/http/json-body.js';
import { payloadJson } from '../../packages/server/src/domains/serving/prediction-log.js';
import { encodeRows } from '../../packages/server/src/domains/serving/prediction-writer-thread.js';
import { newInferenceId } from '../../packages/server/src/domains/serving/inference.js';
import { checkInputs, type Tensor } from '../../packages/server/src/domains/serving/model-runtime.js';
import { renderTable } from '../lib/table.js';

const row = Array.from({ length: 10 }, (_, i) => Number((Math.sin(i + 1) * 2).toFixed(4)));
const BODY = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 10], datatype: 'FP32', data: row }] });
const parsed = JSON.parse(BODY) as unknown;
const decoded = decodeOipRequest(parsed);
const outputs: Record<string, Tensor> = { p: { type: 'float32', shape: [1, 1], data: Float32Array.from([0.5084366798400879]) } };
const spec: TensorSpec[] = [{ name: 'x', elemType: 'float32', shape: ['batch', 10] } as TensorSpec];
const pl = payloadJson(decoded.inputs, outputs);
const entry = { inference_id: newInferenceId(), deployment: 'lr', variant: 'a', model_name: 'lr', model_version: '1', ts: Date.now(), latency_us: 100, inputs: pl.inputs, outputs: pl.outputs, status: 0 };
const batch = Array.from({ length: 25 }, () => entry);

const steps: [string, () => unknown, number][] = [
  ['JSON.parse of the body', () => JSON.parse(BODY), 1],
  ['checkStructure (the app parser\'s key scan)', () => checkStructure(parsed), 1],
  ['decodeOipRequest', () => decodeOipRequest(parsed), 1],
  ['checkInputs (signature)', () => checkInputs(spec, decoded.inputs), 1],
  ['payloadJson (log row inputs/outputs)', () => payloadJson(decoded.inputs, outputs), 1],
  ['encodeRows (hand-off to the writer), per row of 25', () => encodeRows(batch), 25],
  ['newInferenceId', () => newInferenceId(), 1],
  ['encodeOipResponseText', () => encodeOipResponseText({ modelName: 'lr', modelVersion: '1', id: entry.inference_id, outputs, parameters: { variant: 'a' } }), 1],
];
const out: string[][] = [];
for (const [name, f, per] of steps) {
  for (let i = 0; i < 20_000; i++) f();
  const n = 200_000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) f();
  const c = process.cpuUsage(c0);
  out.push([name, ((c.user + c.system) / n / per).toFixed(3)]);
}
console.log(renderTable(['step', 'CPU µs'], out));
