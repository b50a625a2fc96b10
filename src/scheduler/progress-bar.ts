// Spark's console progress bar on a TTY: one line per running stage, redrawn
// at most every 200 ms, e.g. [Stage 3:=====>          (12 + 2) / 40]. Shown
// only when the Context's `progress` option is on (default: stderr is a TTY).
// In cluster mode, while tasks wait with no worker connected, a note leads the
// line: "waiting for a worker (none connected to redis://...) [Stage 0:...".

import type {
  StageCompletedEvent,
  StageSubmittedEvent,
  TaskEndEvent,
} from './scheduler-listener.js';

interface StageProgress {
  total: number;
  done: number;
  started: number;
}

const WIDTH = 40;

export class ProgressBar {
  private readonly stages = new Map<number, StageProgress>();
  private lastDraw = 0;
  private drawn = false;
  /** Why nothing runs, shown first (it matters more than the bars while it lasts). */
  private waitingNote: string | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly workers: number,
  ) {}

  stageSubmitted(e: StageSubmittedEvent): void {
    this.stages.set(e.stageId, { total: e.numTasks, done: 0, started: performance.now() });
    this.draw(false);
  }

  taskEnded(e: TaskEndEvent): void {
    const stage = this.stages.get(e.stageId);
    if (stage !== undefined && e.successful) stage.done++;
    this.draw(false);
  }

  stageCompleted(e: StageCompletedEvent): void {
    this.stages.delete(e.stageId);
    this.draw(true);
  }

  /** Cluster mode: tasks wait with no worker connected to `master` (undefined: they no longer do). */
  waitingForWorkers(master: string | undefined): void {
    this.waitingNote =
      master === undefined ? undefined : `waiting for a worker (none connected to ${master})`;
    this.draw(true);
  }

  finish(): void {
    this.clear();
  }

  private draw(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < 200) return;
    this.lastDraw = now;
    if (this.stages.size === 0) return this.clear();
    const columns = this.out.columns > 0 ? this.out.columns : 80;
    // While waiting, nothing moves: narrow bars leave the note the room.
    const waiting = this.waitingNote !== undefined;
    const width = waiting ? 10 : Math.max(10, Math.floor(WIDTH / this.stages.size));
    const bars = [...this.stages]
      .map(([id, s]) => render(id, s, width, waiting ? 0 : this.workers))
      .join('');
    const line = (this.waitingNote === undefined ? bars : `${this.waitingNote} ${bars}`).slice(
      0,
      columns - 1,
    );
    this.out.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  private clear(): void {
    if (!this.drawn) return;
    this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}

export function render(stageId: number, s: StageProgress, width: number, workers: number): string {
  const header = `[Stage ${stageId}:`;
  const tailer = `(${s.done} + ${Math.max(0, Math.min(s.total - s.done, workers))}) / ${s.total}]`;
  const filled = s.total === 0 ? width : Math.floor((s.done * width) / s.total);
  const bar =
    filled >= width ? '='.repeat(width) : '='.repeat(filled) + '>' + ' '.repeat(width - filled - 1);
  return `${header}${bar}${tailer}`;
}
