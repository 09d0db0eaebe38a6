import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';

export interface LoginThrottleOptions {
  /** Failed password checks allowed per key within the window (default 10). */
  maxFailures?: number;
  /** The window, in ms (default 15 min). */
  windowMs?: number;
  /** Keys remembered at most (default 10 000; the oldest is forgotten first). */
  maxKeys?: number;
}

/**
 * Limits password guessing: after `maxFailures` wrong passwords for one username from one address
 * within the window, further checks are refused until the window ends. Keyed by address and
 * username together, so a stranger elsewhere cannot lock a user out. In memory, per process:
 * a cluster of N workers allows N times as many guesses, which scrypt keeps slow anyway.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly max: number;
  private readonly window: number;
  private readonly maxKeys: number;

  constructor(private readonly clock: Clock, opts: LoginThrottleOptions = {}) {
    this.max = opts.maxFailures ?? 10;
    this.window = opts.windowMs ?? 15 * 60_000;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Throws TOO_MANY_REQUESTS while `username` from `source` is blocked. */
  check(username: string, source: string | undefined): void {
    const f = this.live(username, source);
    if (f && f.count >= this.max) {
      const minutes = Math.max(1, Math.ceil((f.since + this.window - this.clock.now()) / 60_000));
      throw new DomainError('TOO_MANY_REQUESTS', `Too many failed logins for '${username.slice(0, 64)}'${source ? ` from ${source}` : ''}; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
    }
  }

  failed(username: string, source: string | undefined): void {
    const key = `${source ?? ''}\0${username}`;
    const f = this.live(username, source);
    if (f) f.count++;
    else {
      if (this.failures.size >= this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(key, { count: 1, since: this.clock.now() });
    }
  }

  succeeded(username: string, source: string | undefined): void {
    this.failures.delete(`${source ?? ''}\0${username}`);
  }

  private live(username: string, source: string | undefined) {
    const key = `${source ?? ''}\0${username}`;
    const f = this.failures.get(key);
    if (f && this.clock.now() - f.since >= this.window) {
      this.failures.delete(key);
      return undefined;
    }
    return f;
  }
}
