// StateSpec: the description of a mapWithState operation (Spark's StateSpec,
// StateSpec.scala): the mapping function, an idle timeout, initial state and partitions.
// State<S> is what the function receives; its implementation runs in workers
// (kernels.ts) and raises Spark's error cases (State.scala, StateImpl) as STREAMING_STATE_ERROR.

import { errors } from '../shared/errors.js';
import { positiveInt } from '../options.js';
import { RDD } from '../rdd/rdd.js';
import { refuseUnknownKeys } from '../rdd/method-options.js';
import { checkMainThreadFunction, type UserFn } from '../rdd/user-function.js';
import { HashPartitioner, type Partitioner } from '../rdd/partitioner.js';
import { withArityChecks } from '../method-arity.js';
import { STATE_SPEC_ARITY, STATE_SPEC_STATIC_ARITY } from './stream-arity.js';

export interface State<S> {
  exists(): boolean;
  /** The state, or STREAMING_STATE_ERROR "State is not set". */
  get(): S;
  getOption(): S | undefined;
  update(state: S): void;
  remove(): void;
  /** True only in the one call an idle key gets when its timeout expires. */
  isTimingOut(): boolean;
}

export type MappingFunction<K, V, S, R, E> = UserFn<[K, V | undefined, State<S>, E], R | undefined>;

export class StateSpec<K, V, S, R, E = undefined> {
  /** @internal */ timeoutMs: number | undefined;
  /** @internal */ initialRDD: RDD<[K, S]> | undefined;
  /** @internal */ partitioner: Partitioner | undefined;
  /** @internal */ env: E | undefined;

  private constructor(/** @internal */ readonly mappingFunction: MappingFunction<K, V, S, R, E>) {}

  /** `(key, value, state, env) => mapped`: called once per record, in order; undefined emits nothing. */
  static function<K, V, S, R, E = undefined>(
    f: MappingFunction<K, V, S, R, E>,
    opts?: { env?: E },
  ): StateSpec<K, V, S, R, E> {
    // Refused here, where it was passed, not at the mapWithState that uses the spec.
    checkMainThreadFunction('StateSpec.function mappingFunction', f);
    refuseUnknownKeys('StateSpec.function', opts, ['env']);
    const spec = new StateSpec<K, V, S, R, E>(f);
    if (opts?.env !== undefined) spec.env = opts.env;
    return spec;
  }

  /** A key with no data for longer than `ms` gets one call with isTimingOut() true, then is dropped. */
  timeout(ms: number): this {
    this.timeoutMs = positiveInt('StateSpec.timeout ms', ms);
    return this;
  }

  initialState(rdd: RDD<[K, S]>): this {
    if (!(rdd instanceof RDD))
      throw errors.invalidArgument(
        'StateSpec.initialState rdd',
        'an RDD of [key, state] pairs',
        rdd,
      );
    this.initialRDD = rdd;
    return this;
  }

  numPartitions(n: number): this {
    this.partitioner = new HashPartitioner(positiveInt('StateSpec.numPartitions n', n));
    return this;
  }

  partitionBy(partitioner: Partitioner): this {
    if (!(partitioner instanceof HashPartitioner)) {
      throw errors.invalidArgument(
        'StateSpec.partitionBy partitioner',
        'a HashPartitioner',
        partitioner,
      );
    }
    this.partitioner = partitioner;
    return this;
  }
}

withArityChecks(StateSpec.prototype, 'StateSpec', STATE_SPEC_ARITY);
withArityChecks(StateSpec, 'StateSpec', STATE_SPEC_STATIC_ARITY);
