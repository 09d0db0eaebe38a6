/**
 * The one catalogue of Flywheel's error codes. Services throw a `DomainError` carrying one of
 * these codes; each HTTP adapter translates it: the native API to `status`, the MLflow API to
 * `mlflowCode` (MLflow's own HTTP status for that code is applied by the MLflow adapter).
 *
 * @example
 *   throw new DomainError('NOT_FOUND', `Run '${id}' not found.`)
 */
// MLflow answers some errors with 500 (INVALID_STATE) and its client retries every 5xx for
// minutes; a client mistake is always a 4xx here.
export const ERROR_CATALOGUE = {
  INVALID_INPUT: { status: 400, mlflowCode: 'INVALID_PARAMETER_VALUE', summary: 'The request is not valid.' },
  NOT_FOUND: { status: 404, mlflowCode: 'RESOURCE_DOES_NOT_EXIST', summary: 'No such resource.' },
  ALREADY_EXISTS: { status: 409, mlflowCode: 'RESOURCE_ALREADY_EXISTS', summary: 'The resource already exists.' },
  CONFLICT: { status: 409, mlflowCode: 'INVALID_PARAMETER_VALUE', summary: 'The change conflicts with the current state.' },
  INVALID_STATE: { status: 409, mlflowCode: 'INVALID_PARAMETER_VALUE', summary: 'The resource is not in a state that allows this.' },
  PAYLOAD_TOO_LARGE: { status: 413, mlflowCode: 'INVALID_PARAMETER_VALUE', summary: 'The request body is too large.' },
  UNAUTHENTICATED: { status: 401, mlflowCode: 'UNAUTHENTICATED', summary: 'Authentication is required.' },
  NOT_ALLOWED: { status: 403, mlflowCode: 'PERMISSION_DENIED', summary: 'Not allowed.' },
  TOO_MANY_REQUESTS: { status: 429, mlflowCode: 'REQUEST_LIMIT_EXCEEDED', summary: 'Too many requests; retry later.' },
  ENDPOINT_NOT_FOUND: { status: 404, mlflowCode: 'ENDPOINT_NOT_FOUND', summary: 'No such endpoint.' },
  NOT_IMPLEMENTED: { status: 501, mlflowCode: 'NOT_IMPLEMENTED', summary: 'Not implemented.' },
  UNAVAILABLE: { status: 503, mlflowCode: 'TEMPORARILY_UNAVAILABLE', summary: 'Temporarily unavailable.' },
  INTERNAL: { status: 500, mlflowCode: 'INTERNAL_ERROR', summary: 'Internal error.' },
  // A policy or budget refusal does not clear by retrying: 403 (MLflow PERMISSION_DENIED, which its
  // client does not retry), never 429 (MLflow's RESOURCE_EXHAUSTED status, which it retries for minutes).
  POLICY_VIOLATION: { status: 403, mlflowCode: 'PERMISSION_DENIED', summary: 'An approval policy blocks this action.' },
  BUDGET_EXCEEDED: { status: 403, mlflowCode: 'PERMISSION_DENIED', summary: 'A budget is exhausted.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** MLflow's HTTP status for each of its error codes (mlflow/exceptions.py). */
export const MLFLOW_ERROR_STATUS: Record<string, number> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INVALID_STATE: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

/** The body of every native API error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** A failure a service reports on purpose, with a stable code from {@link ERROR_CATALOGUE}. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
