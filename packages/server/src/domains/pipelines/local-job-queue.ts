import type { JobQueue, StepJob } from './job-queue.js';
import { jobKey } from './job-queue.js';

/**
 * The embedded JobQueue: a FIFO in this process feeding a pool of at most `concurrency` handlers.
 * Nothing survives a restart, and nothing needs to: the store still says which steps are pending,
 * and the next scheduling pass queues them again.
 */
export class LocalJobQueue implements JobQueue {
  readonly kind = 'local' as const;
  private readonly queue: StepJob[] = [];
  private readonly known = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private handler: ((job: StepJob) => Promise<void>) | undefined;
  private concurrency = 0;
  private stopped = false;

  async start(): Promise<void> {
    this.stopped = false;
  }

  async enqueue(jobs: readonly StepJob[]): Promise<void> {
    for (const j of jobs) {
      const key = jobKey(j);
      if (this.known.has(key)) continue;
      this.known.add(key);
      this.queue.push(j);
    }
    this.pump();
  }

  work(handler: (job: StepJob) => Promise<void>, concurrency: number): void {
    this.handler = handler;
    this.concurrency = concurrency;
    this.pump();
  }

  /** Jobs waiting for a free slot. */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (!this.stopped && this.handler && this.running.size < this.concurrency && this.queue.length) {
      const job = this.queue.shift()!;
      const p: Promise<void> = this.handler(job)
        .catch(() => undefined) // the handler records its own failures in the store
        .finally(() => {
          this.running.delete(p);
          this.known.delete(jobKey(job));
          this.pump();
        });
      this.running.add(p);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    this.known.clear();
    await Promise.all([...this.running]);
  }
}
