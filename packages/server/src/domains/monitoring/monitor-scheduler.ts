import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.js';
import type { MonitorsRepository } from './monitors.repository.js';
import type { MonitorsService } from './monitors.service.js';

export interface MonitorSchedulerOptions {
  /** How often to look for closed windows (default 60 s). */
  intervalMs?: number;
  /** A window is evaluated this long after it closes, so the prediction log has caught up (default 0). */
  graceMs?: number;
  /** A claim older than this whose process has not finished (crashed) or that failed may be taken over (default 10 min). */
  leaseMs?: number;
  /** Windows evaluated per monitor per tick, oldest first (default 24): a long outage catches up over several ticks. */
  maxWindowsPerTick?: number;
  /** How far back a new or long-idle monitor looks (default 7 days). */
  maxLookbackMs?: number;
}

export interface MonitorSchedulerDeps {
  monitors: MonitorsService;
  repo: MonitorsRepository;
  clock: Clock;
  logger?: Logger | undefined;
}

/**
 * Evaluates every monitor's closed windows that no process has evaluated yet. Windows are aligned
 * to multiples of the monitor's window length since the epoch, starting with the one the monitor
 * was created in. Each window is claimed first with a conditional insert (the claim's primary key
 * is (monitor, window start)), so several servers sharing the store evaluate each window once.
 */
export class MonitorScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly owner = randomUUID();
  private readonly o: Required<MonitorSchedulerOptions>;

  constructor(private readonly deps: MonitorSchedulerDeps, options: MonitorSchedulerOptions = {}) {
    this.o = { intervalMs: 60_000, graceMs: 0, leaseMs: 600_000, maxWindowsPerTick: 24, maxLookbackMs: 7 * 86_400_000, ...options };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.deps.logger?.warn({ err }, 'monitor scheduler tick failed')), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass over all monitors; returns how many windows this process evaluated. One pass at a time. */
  tick(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const { repo, monitors, clock } = this.deps;
    let evaluated = 0;
    for (const m of await monitors.list()) {
      const now = clock.now();
      const w = m.windowMs;
      const closedUntil = Math.floor((now - this.o.graceMs) / w) * w;
      const first = Math.max(Math.floor(m.createdAt / w) * w, Math.floor((now - this.o.maxLookbackMs) / w) * w);
      if (closedUntil <= first) continue;
      const done = await repo.doneWindows(m.id, first);
      let budget = this.o.maxWindowsPerTick;
      for (let start = first; start + w <= closedUntil && budget > 0; start += w) {
        if (done.has(start)) continue;
        if (!(await repo.claimWindow(m.id, start, start + w, this.owner, clock.now(), clock.now() - this.o.leaseMs))) continue;
        budget--;
        try {
          await monitors.evaluate(m.id, { since: start, until: start + w });
          await repo.finishWindow(m.id, start, this.owner, clock.now());
          evaluated++;
        } catch (err) {
          this.deps.logger?.warn({ err, monitor: m.id, windowStart: start }, 'monitor window evaluation failed');
          await repo.finishWindow(m.id, start, this.owner, clock.now(), err instanceof Error ? err.message : String(err));
        }
      }
    }
    return evaluated;
  }
}
