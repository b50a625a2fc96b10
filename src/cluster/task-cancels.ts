// A worker process's side of task cancellation: the AbortController of every task it runs, by
// application and job id, so a driver that cancels tasks (a cancelled job, a countApprox past
// its timeout, stop()) stops them here as local mode does, by terminating the thread. A job
// cancelled before it started is remembered and starts already aborted.

export class TaskCancels {
  private readonly apps = new Map<
    string,
    { running: Map<string, AbortController>; cancelled: Set<string> }
  >();

  /** The signal a task runs under; release() when it ends. */
  start(appId: string, jobId: string): { signal: AbortSignal; release(): void } {
    const app = this.app(appId);
    const controller = new AbortController();
    if (app.cancelled.delete(jobId)) controller.abort();
    app.running.set(jobId, controller);
    return { signal: controller.signal, release: () => app.running.delete(jobId) };
  }

  /** The driver cancelled these jobs: running ones abort, others will start aborted. */
  cancel(appId: string, jobIds: string[]): void {
    const app = this.apps.get(appId);
    if (app === undefined) return;
    for (const id of jobIds) {
      const running = app.running.get(id);
      if (running === undefined) app.cancelled.add(id);
      else running.abort();
    }
  }

  /** The application is gone (its driver stopped or died): nobody waits for its tasks. */
  abortAll(appId: string): void {
    for (const controller of this.apps.get(appId)?.running.values() ?? []) controller.abort();
  }

  serve(appId: string): void {
    this.app(appId);
  }

  forget(appId: string): void {
    this.apps.delete(appId);
  }

  private app(appId: string): { running: Map<string, AbortController>; cancelled: Set<string> } {
    let app = this.apps.get(appId);
    if (app === undefined) {
      app = { running: new Map(), cancelled: new Set() };
      this.apps.set(appId, app);
    }
    return app;
  }
}
