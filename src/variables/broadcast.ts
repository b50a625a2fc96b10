// Broadcast<T>: a read-only value sent to each worker once (pulled over the
// control plane on first use) instead of with every task.

import { errors } from '../shared/errors.js';
import type { ShippedBroadcast } from '../shared/env-wire.js';

export class Broadcast<T> {
  private destroyed = false;

  /** @internal Made by ctx.broadcast(value). */
  constructor(
    readonly id: number,
    private readonly data: T,
    private readonly onDestroy: (id: number) => void,
  ) {}

  get value(): T {
    if (this.destroyed) throw errors.unsupported(`Broadcast ${this.id} was destroyed`);
    return this.data;
  }

  destroy(): void {
    this.destroyed = true;
    this.onDestroy(this.id);
  }

  /** @internal */
  toShipped(): ShippedBroadcast {
    if (this.destroyed)
      throw errors.unsupported(`Broadcast ${this.id} was destroyed and cannot be used`);
    return { kind: 'broadcast', id: this.id };
  }
}
