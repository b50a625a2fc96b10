// Task metrics on listener events: every attempt reports its thread, times, records and
// shuffle bytes; stages and jobs carry the sums; a failed attempt names its cause.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Context,
  type JobEndEvent,
  type StageCompletedEvent,
  type StageSubmittedEvent,
  type TaskEndEvent,
} from 'kindling';

const ctx = new Context({ workers: 2, progress: false, maxTaskFailures: 2 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-metrics-'));
after(async () => {
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function record(): {
  tasks: TaskEndEvent[];
  stages: StageCompletedEvent[];
  submitted: StageSubmittedEvent[];
  jobs: JobEndEvent[];
} {
  const out = {
    tasks: [] as TaskEndEvent[],
    stages: [] as StageCompletedEvent[],
    submitted: [] as StageSubmittedEvent[],
    jobs: [] as JobEndEvent[],
  };
  ctx.on('taskEnd', (e) => out.tasks.push(e));
  ctx.on('stageCompleted', (e) => out.stages.push(e));
  ctx.on('stageSubmitted', (e) => out.submitted.push(e));
  ctx.on('jobEnd', (e) => out.jobs.push(e));
  return out;
}

test('a shuffle job reports per-task times, threads, records and shuffle bytes, summed per stage and job', async () => {
  const seen = record();
  const input = path.join(dir, 'words.txt');
  fs.writeFileSync(input, 'a b c\nb c\nc\n'.repeat(100));
  const counts = await ctx
    .textFile(input, 2)
    .flatMap((l) => l.split(' '))
    .map((w): [string, number] => [w, 1])
    .reduceByKey((a, b) => a + b, { numPartitions: 3 })
    .collect();
  assert.equal(counts.length, 3);
  assert.equal(seen.tasks.length, 5);
  for (const t of seen.tasks) {
    assert.equal(t.successful, true);
    const m = t.metrics;
    assert.ok(m !== undefined, 'a successful task has metrics');
    assert.ok(Number.isInteger(m.threadId) && m.threadId > 0, 'a worker thread id');
    assert.ok(m.finishTime >= m.launchTime && m.durationMs >= 0);
    assert.ok(m.gcTimeMs >= 0);
    assert.ok(Number.isInteger(t.taskId));
  }
  const [mapStage, resultStage] = seen.stages;
  assert.ok(mapStage !== undefined && resultStage !== undefined);
  assert.equal(mapStage.kind, 'shuffleMap');
  // 600 words in, 3 distinct per map task after the map-side combine.
  assert.equal(mapStage.metrics.recordsRead, 600);
  assert.equal(mapStage.metrics.bytesRead, fs.statSync(input).size);
  assert.equal(mapStage.metrics.shuffleWriteRecords, 6);
  assert.ok(mapStage.metrics.shuffleWriteBytes > 0);
  assert.equal(resultStage.metrics.shuffleReadRecords, 6);
  assert.equal(resultStage.metrics.shuffleReadBytes, mapStage.metrics.shuffleWriteBytes);
  assert.equal(resultStage.metrics.tasks, 3);
  const job = seen.jobs[0];
  assert.ok(job !== undefined && job.succeeded);
  assert.equal(job.metrics.tasks, 5);
  assert.equal(job.metrics.shuffleReadRecords, 6);
  // The result stage reads the map stage's shuffle: the DAG edge the UI draws.
  const [mapSub, resultSub] = seen.submitted;
  assert.ok(mapSub !== undefined && resultSub !== undefined);
  assert.deepEqual(resultSub.parentStageIds, [mapSub.stageId]);
  assert.equal(resultSub.rdds[0]?.kind, 'ShuffledRDD');
});

test('a failed attempt reports its cause and stack, and the job its failure', async () => {
  const seen = record();
  await assert.rejects(
    ctx
      .parallelize([1, 2, 3, 4], 2)
      .map((x) => {
        if (x === 4) throw new RangeError('four is too many');
        return x;
      })
      .collect(),
  );
  const failed = seen.tasks.filter((t) => !t.successful);
  assert.equal(failed.length, 2, 'both attempts of the bad partition');
  for (const t of failed) {
    assert.equal(t.partitionIndex, 1);
    assert.equal(t.failure?.kind, 'exception');
    if (t.failure?.kind !== 'exception') continue;
    assert.equal(t.failure.name, 'RangeError');
    assert.match(t.failure.message, /four is too many/);
    assert.match(t.failure.stack ?? '', /RangeError/);
    assert.ok(t.metrics !== undefined, 'a failed attempt still reports its timing');
  }
  assert.deepEqual(
    failed.map((t) => t.attempt),
    [0, 1],
  );
  const job = seen.jobs[0];
  assert.ok(job !== undefined);
  assert.equal(job.succeeded, false);
  assert.equal(job.failure?.code, 'TASK_FAILED');
  assert.equal(job.metrics.failedTasks, 2);
  assert.match(seen.stages[0]?.failureReason ?? '', /four is too many/);
});
