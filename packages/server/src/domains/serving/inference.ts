import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyError } from 'fastify';
import { isDomainError } from '@flywheel/contract';
import { INFERENCE_ID_HEADER, VARIANT_HEADER, type DeploymentsService, type LiveVariant, type RoutingTable } from './deployments.service.js';
import { tableToColumnTensors, UpstreamError } from './http-runtime.js';
import { tableToTensors, type InvocationTable } from './mlflow-invocations-codec.js';
import type { RunOptions, Tensor } from './model-runtime.js';
import type { ServingObserver } from './observer.js';
import { payloadJson, type PredictionLog } from './prediction-log.js';

/**
 * What one inference request does, shared by the Fastify routes (`serving.routes.ts`) and the
 * raw node:http fast path in front of them (`inference-fast-path.ts`): routing, the logged model
 * call, inference ids, error statuses and shapes, metrics. Both front ends call these, so a request
 * is served the same way whichever one took it.
 */

/** The HTTP status an inference failure maps to. */
export function statusOf(error: unknown): number {
  if (isDomainError(error)) return error.status;
  if (error instanceof UpstreamError) return error.status;
  const fe = error as FastifyError;
  if (fe.validation) return 400;
  return fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
}

/** Open Inference Protocol errors: `{"error": "…"}`; an unexpected failure's text is not shown. */
export function oipErrorBody(error: Error, status: number): { error: string } {
  return { error: status >= 500 && !isDomainError(error) && !(error instanceof UpstreamError) ? 'Internal error.' : error.message };
}

/** MLflow scoring-server errors: `{"error_code": "BAD_REQUEST", "message": "…"}`. */
export function mlflowErrorBody(error: Error, status: number): { error_code: string; message: string } {
  const code = isDomainError(error) ? ({ 404: 'RESOURCE_DOES_NOT_EXIST', 400: 'BAD_REQUEST' } as Record<number, string>)[status] ?? error.code : status === 400 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
  const shown = isDomainError(error) || error instanceof UpstreamError || status < 500;
  return { error_code: code, message: shown ? error.message : 'Internal error.' };
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The variant for this request, from the explicit-variant header or the routing-key headers. */
export function pickVariant(deployments: DeploymentsService, headers: IncomingHttpHeaders, name: string): { table: RoutingTable; variant: LiveVariant } {
  const explicit = header(headers, VARIANT_HEADER);
  const table = deployments.table(name);
  let key: string | undefined;
  for (const h of table.keyHeaders) {
    key = header(headers, h);
    if (key !== undefined) break;
  }
  return deployments.route(name, { variant: explicit, key });
}

/** A caller's table as the variant's model takes it; a model without a known signature (an MLflow server) gets the columns. */
export const tensorsFor = (table: InvocationTable, variant: LiveVariant): Record<string, Tensor> =>
  variant.loaded.signature.inputs.length === 0 && variant.runtime === 'http' ? tableToColumnTensors(table) : tableToTensors(table, variant.loaded.signature.inputs);

/**
 * A new inference id: a UUID whose first 48 bits are the time in ms (the layout of RFC 9562's
 * version 7), the rest random. Ids of one moment sort together, so the log's inference-id index
 * takes them at its right edge: random (v4) ids dirtied one index page per logged row, which the
 * log's commits then wrote out whole (measured: ~40 % less writer CPU per row at batch 64).
 */
export function newInferenceId(now = Date.now()): string {
  const t = now.toString(16).padStart(12, '0');
  const r = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx: keep its random bits and variant
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${r.slice(15)}`;
}

/** The caller's inference id (OIP body `id`, else the x-flywheel-inference-id header), else a new one. */
export function inferenceIdFor(headers: IncomingHttpHeaders, fromBody: string | undefined, now: number): string {
  if (fromBody !== undefined) return fromBody;
  const h = header(headers, INFERENCE_ID_HEADER);
  return h && h.length <= 256 ? h : newInferenceId(now);
}

/** The model call and its log entry, and the metrics of inference requests, for both front ends. */
export class InferenceCore {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly log: PredictionLog | undefined,
    private readonly metrics: ServingObserver | undefined,
  ) {}

  /**
   * Runs the model and logs the call (answered or failed) under `id`. In sync mode the promise
   * waits for the commit (group-committed with concurrent requests); a failed log write fails the
   * request, so nothing answered is missing from the log.
   */
  async runLogged(name: string, id: string, ts: number, variant: LiveVariant, inputs: Record<string, Tensor>, opts?: RunOptions): Promise<Record<string, Tensor>> {
    const t0 = performance.now();
    let outputs: Record<string, Tensor> | undefined;
    let failure: unknown;
    try {
      outputs = await variant.loaded.run(inputs, opts);
    } catch (e) {
      failure = e;
    }
    if (this.log) {
      const latencyUs = Math.round((performance.now() - t0) * 1000);
      const payload = payloadJson(inputs, outputs);
      await this.log.append({
        inference_id: id,
        deployment: name,
        variant: variant.name,
        model_name: variant.model.name,
        model_version: variant.model.version,
        ts,
        latency_us: latencyUs,
        inputs: payload.inputs,
        outputs: payload.outputs,
        status: failure === undefined ? 0 : statusOf(failure),
      });
    }
    if (failure !== undefined) throw failure;
    return outputs!;
  }

  /** An answered request, for metrics. */
  observe(name: string, variant: string, status: number, seconds: number): void {
    this.metrics?.observe(name, variant, status, seconds);
  }

  /**
   * A failed inference request, for metrics. Requests to a deployment that does not exist are
   * not reported: their names come from callers, and a label per name would grow without bound.
   */
  observeFailure(name: string, variant: LiveVariant | undefined, e: unknown, seconds: number): void {
    if (!this.metrics || (variant === undefined && this.deployments.isReady(name) === undefined)) return;
    this.metrics.observe(name, variant?.name ?? '', statusOf(e), seconds);
  }
}
