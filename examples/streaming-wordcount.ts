// A recoverable streaming word count: files moved into IN_DIR are counted per
// batch and in a running total, written as one directory per batch under
// OUT_DIR. Kill it (even with kill -9) and start it again: it resumes from the
// checkpoint in CHECKPOINT_DIR, replays the unfinished batch with the same files
// and reads every file exactly once.
//
//   node dist/examples/streaming-wordcount.js IN_DIR OUT_DIR CHECKPOINT_DIR
//   mv some.txt IN_DIR/        # files must appear whole: write elsewhere, then rename
import path from 'node:path';
import { Context, StateSpec, StreamingContext, type State } from 'kindling';

const [inDir = 'stream-in', outDir = 'stream-out', checkpointDir = 'stream-checkpoint'] =
  process.argv.slice(2);

const ssc = await StreamingContext.getOrCreate(checkpointDir, () => {
  // Runs on every start: the graph always comes from this code; the checkpoint
  // only restores data (batch times, which files each batch read, state).
  const ctx = new Context({ workers: 2 });
  const s = new StreamingContext(ctx, 2000);
  const words = s
    .textFileStream(inDir)
    .flatMap((line) => line.toLowerCase().split(/\W+/))
    .filter((w) => w !== '')
    .map((w) => [w, 1] as [string, number]);

  words.reduceByKey((a, b) => a + b).saveAsTextFiles(path.join(outDir, 'batch'));

  const totals = words
    .updateStateByKey((counts: number[], total: number | undefined) => (total ?? 0) + counts.length)
    .setName('totals');
  totals.saveAsTextFiles(path.join(outDir, 'totals'));

  // New words, reported once; a word unseen for a minute is forgotten (one timeout call).
  const spec = StateSpec.function(
    (word: string, _one: number | undefined, seen: State<boolean>) => {
      if (seen.isTimingOut()) return `forgot ${word}`;
      if (seen.exists()) return undefined;
      seen.update(true);
      return `new ${word}`;
    },
  ).timeout(60_000);
  words.mapWithState(spec).setName('vocabulary').print(20);
  return s;
});

ssc.on('batchCompleted', (e) => {
  console.log(
    `batch ${e.batchTimeMs}: ${e.records} lines in ${Math.round(e.processingDelayMs)} ms`,
  );
});
process.on('SIGINT', () => {
  console.log('stopping gracefully (final checkpoint)...');
  void ssc.stop({ graceful: true });
});
await ssc.start();
await ssc.awaitTermination();
