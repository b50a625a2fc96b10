// The checkpoint state of one RDD (Spark's RDDCheckpointData): marked, then
// checkpointed once every partition is written and committed. Partitions are
// written by workers during the jobs that compute them, so the state also
// collects the per-partition stats that go into the manifest.

import type { Codec } from '../shared/format/frames.js';
import type { CheckpointPartStats } from '../shared/protocol.js';
import type { RDD } from '../rdd/rdd.js';

export type CheckpointState = 'marked' | 'checkpointed';

export class ReliableCheckpointData {
  readonly kind = 'reliable';
  state: CheckpointState = 'marked';
  /** Committed part files, by partition index. */
  readonly parts = new Map<number, CheckpointPartStats>();
  private cpRdd: RDD<unknown> | undefined;

  constructor(
    readonly dir: string,
    readonly codec: Codec,
  ) {}

  checkpointRDD(): RDD<unknown> | undefined {
    return this.cpRdd;
  }

  markCheckpointed(cpRdd: RDD<unknown>): void {
    this.cpRdd = cpRdd;
    this.state = 'checkpointed';
  }
}

export class LocalCheckpointData {
  readonly kind = 'local';
  state: CheckpointState = 'marked';
  private cpRdd: RDD<unknown> | undefined;

  checkpointRDD(): RDD<unknown> | undefined {
    return this.cpRdd;
  }

  markCheckpointed(cpRdd: RDD<unknown>): void {
    this.cpRdd = cpRdd;
    this.state = 'checkpointed';
  }
}

export type CheckpointData = ReliableCheckpointData | LocalCheckpointData;
