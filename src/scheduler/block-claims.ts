// Which cached-RDD partitions a task in flight is computing and will cache: a task that
// would compute the same partition waits for that one to end and then reads its block
// (Spark's BlockInfoManager, whose write lock on a block being put makes readers wait).
// A claim is released when its task attempt ends, cached or not.

export class BlockClaims {
  private readonly claims = new Map<string, Promise<void>>();

  /** The claims of others among `blockIds`, to wait for before computing them. */
  busy(blockIds: readonly string[]): Promise<void>[] {
    const out: Promise<void>[] = [];
    for (const id of blockIds) {
      const claim = this.claims.get(id);
      if (claim !== undefined) out.push(claim);
    }
    return out;
  }

  /** Claims `blockIds` (none of them busy); the returned function releases them. */
  claim(blockIds: readonly string[]): () => void {
    if (blockIds.length === 0) return () => {};
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    for (const id of blockIds) this.claims.set(id, done);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of blockIds) if (this.claims.get(id) === done) this.claims.delete(id);
      release();
    };
  }

  get size(): number {
    return this.claims.size;
  }
}
