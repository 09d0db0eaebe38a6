/**
 * What the gateway reports about each request, for metrics (Prometheus) and anything else that
 * watches traffic. Called on the request path: implementations must be cheap and never throw.
 */
export interface ServingObserver {
  /** One answered or failed inference call; `status` is the HTTP status the caller got (200 when answered). */
  observe(deployment: string, variant: string, status: number, seconds: number): void;
  /** A mirrored request a shadow variant did not run because its queue was full. */
  shadowShed?(deployment: string, variant: string): void;
  /** A shadow variant finished a mirrored request (`ok` false when its model failed). */
  shadowDone?(deployment: string, variant: string, ok: boolean, seconds: number): void;
}
