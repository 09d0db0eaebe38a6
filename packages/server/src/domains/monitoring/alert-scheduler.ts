import type { Clock } from '../../lib/clock.js';
import type { AlertsService, Evaluation } from './alerts.service.js';
import type { WebhookNotifier } from './webhook-notifier.js';

export interface AlertSchedulerDeps {
  alerts: AlertsService;
  notifier: WebhookNotifier;
  clock: Clock;
  /** How often due rules and due deliveries are looked for. */
  tickMs?: number;
  onError?: (e: unknown) => void;
}

/**
 * Evaluates due alert rules and sends due webhook deliveries on a timer. Safe to run in several
 * processes: rules and deliveries are claimed by conditional updates. Evaluation never waits for
 * a receiver: firing only writes the outbox, which the same tick (or another process) sends.
 */
export class AlertScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  constructor(private readonly deps: AlertSchedulerDeps) {}

  /** One pass: evaluate due rules, then send due deliveries. */
  async tick(): Promise<{ evaluations: Evaluation[]; sent: number }> {
    const evaluations = await this.deps.alerts.evaluateDue();
    const sent = await this.deps.notifier.runOnce();
    return { evaluations, sent };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().then(() => undefined, (e: unknown) => this.deps.onError?.(e)).finally(() => this.schedule());
    }, this.deps.tickMs ?? 5_000); // 5 s
    this.timer.unref();
  }
}
