// RDD kinds with no parents: in-memory collections (Spark's contiguous slicing),
// numeric ranges, text files split into byte ranges, and the empty RDD.

import type { NodeCompute, PartitionDesc } from '../shared/protocol.js';
import type { Dependency } from './dependency.js';
import type { RddImpl } from './rdd.js';

/** Spark's ParallelCollectionRDD.slice positions: [i*len/n, (i+1)*len/n). */
export function slicePositions(length: number, numSlices: number): [number, number][] {
  return Array.from({ length: numSlices }, (_, i) => slicePosition(length, numSlices, i));
}

/** Slice `i` of slicePositions(length, numSlices), without computing the others. */
export function slicePosition(length: number, numSlices: number, i: number): [number, number] {
  return [Math.floor((i * length) / numSlices), Math.floor(((i + 1) * length) / numSlices)];
}

abstract class SourceRDD implements RddImpl {
  abstract readonly kindName: string;
  abstract numPartitions(): number;
  abstract describePartition(node: number, index: number): PartitionDesc;
  dependencies(): Dependency[] {
    return [];
  }
  abstract planCompute(): NodeCompute;
}

export class ParallelCollectionRDD extends SourceRDD {
  readonly kindName = 'ParallelCollectionRDD';

  constructor(private readonly slices: unknown[][]) {
    super();
  }

  static fromData(data: unknown[], numSlices: number): ParallelCollectionRDD {
    return new ParallelCollectionRDD(
      slicePositions(data.length, numSlices).map(([a, b]) => data.slice(a, b)),
    );
  }
  numPartitions(): number {
    return this.slices.length;
  }
  planCompute(): NodeCompute {
    return { kind: 'parallelize' };
  }
  describePartition(node: number, index: number): PartitionDesc {
    return { kind: 'parallelize', node, index, data: this.slices[index] ?? [] };
  }
}

export class RangeRDD extends SourceRDD {
  readonly kindName = 'RangeRDD';
  private readonly length: number;

  constructor(
    private readonly start: number,
    end: number,
    private readonly step: number,
    private readonly numSlices: number,
  ) {
    super();
    this.length = Math.max(0, Math.ceil((end - start) / step));
  }

  numPartitions(): number {
    return this.numSlices;
  }
  planCompute(): NodeCompute {
    return { kind: 'range' };
  }
  describePartition(node: number, index: number): PartitionDesc {
    // Only this slice's bounds: slicing all of them here made a job of n tasks O(n²).
    const [a, b] = slicePosition(this.length, this.numSlices, index);
    return {
      kind: 'range',
      node,
      index,
      start: this.start + a * this.step,
      end: this.start + b * this.step,
      step: this.step,
    };
  }
}

export interface FileSplit {
  path: string;
  start: number;
  end: number;
}

export class TextFileRDD extends SourceRDD {
  readonly kindName = 'TextFileRDD';

  constructor(readonly splits: FileSplit[]) {
    super();
  }

  numPartitions(): number {
    return this.splits.length;
  }
  planCompute(): NodeCompute {
    return { kind: 'textFile' };
  }
  describePartition(node: number, index: number): PartitionDesc {
    const split = this.splits[index] ?? { path: '', start: 0, end: 0 };
    return { kind: 'textFile', node, index, ...split };
  }
}

export class EmptyRDD extends SourceRDD {
  readonly kindName = 'EmptyRDD';
  numPartitions(): number {
    return 0;
  }
  planCompute(): NodeCompute {
    return { kind: 'empty' };
  }
  describePartition(node: number, index: number): PartitionDesc {
    return { kind: 'empty', node, index };
  }
}
