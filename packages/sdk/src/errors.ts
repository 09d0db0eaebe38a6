/** An answer of the server that is an error: its HTTP status, the stable code and the message naming what is wrong. */
export class FlywheelError extends Error {
  constructor(
    readonly status: number,
    /** The catalogue code (`NOT_FOUND`, `INVALID_INPUT`, …) or MLflow's `error_code` on the tracking API. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'FlywheelError';
  }

  /** True for the answers worth retrying: the server or a proxy in front of it was briefly unavailable. */
  get transient(): boolean {
    return this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** The server could not be reached (connection refused, reset, DNS, timeout) after every retry. */
export class FlywheelNetworkError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'FlywheelNetworkError';
  }
}
