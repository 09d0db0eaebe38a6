import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, MLFLOW_ERROR_STATUS, isDomainError } from '@flywheel/contract';
import type { ArtifactStore } from '../../artifacts/index.js';
import type { Access } from '../../domains/org/access.js';
import type { TrackingService } from '../../domains/tracking/index.js';
import type { RegistryService } from '../../domains/registry/index.js';
import { registerJsonBody } from '../json-body.js';
import { registerArtifactProxy } from './artifacts.mlflow.js';
import { trackingEndpoints, type MlflowEndpoint } from './tracking.mlflow.js';
import { mlflowRequestOf } from './mlflow-request.js';
import { registryEndpoints } from './registry.mlflow.js';
import { accessOf, type AnonymousMode } from '../../domains/org/access.js';

export interface MlflowApiDeps {
  tracking: TrackingService;
  registry: RegistryService;
  artifacts: ArtifactStore;
  /** What anonymous callers may read (the server's `auth.anonymous`); default 'full', as before ownership. */
  anonymous?: AnonymousMode | undefined;
}

/** MLflow's error shape: `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "…"}` with MLflow's status. */
export function mlflowErrorHandler(error: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  let code: string;
  let message: string;
  if (isDomainError(error)) {
    code = ERROR_CATALOGUE[error.code].mlflowCode;
    message = error.message;
    if (error.code === 'INTERNAL') req.log.error({ err: error }, 'internal error');
  } else {
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      code = status === 404 ? 'ENDPOINT_NOT_FOUND' : 'INVALID_PARAMETER_VALUE';
      message = error.message;
      if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send({ error_code: code, message });
    } else {
      req.log.error({ err: error }, 'unhandled error');
      code = 'INTERNAL_ERROR';
      message = 'Internal server error; the server log has the details.';
    }
  }
  return reply.status(MLFLOW_ERROR_STATUS[code] ?? 500).send({ error_code: code, message });
}

function mount(app: FastifyInstance, endpoints: MlflowEndpoint[], access: (req: FastifyRequest) => Access) {
  for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
    for (const ep of endpoints) {
      app.route({
        method: ep.methods,
        url: prefix + ep.path,
        handler: async (req) => ep.handle(mlflowRequestOf(req), access(req)),
      });
    }
  }
}

/**
 * The MLflow REST API — tracking and model registry (`/api/2.0/mlflow/…`, `/ajax-api/2.0/mlflow/…`) and the artifact
 * proxy (`/api/2.0/mlflow-artifacts/…`) — as a thin adapter over Flywheel's services.
 */
export async function registerMlflowApi(app: FastifyInstance, deps: MlflowApiDeps): Promise<void> {
  const anonymous = deps.anonymous ?? 'full';
  const access = (req: FastifyRequest) => accessOf(req, anonymous, () => deps.tracking.teamTree());
  await app.register(async (scope) => {
    scope.setErrorHandler(mlflowErrorHandler);
    registerJsonBody(scope, { anyContentType: true });
    mount(scope, [...trackingEndpoints(deps), ...registryEndpoints(deps)], access);
  });
  await app.register(async (scope) => {
    scope.setErrorHandler(mlflowErrorHandler);
    await registerArtifactProxy(scope, deps.artifacts, { tracking: deps.tracking, access });
  });
}
