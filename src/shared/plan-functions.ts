// The FunctionPlans of a stage plan, wherever they sit in it: what a worker rebuilds when it
// loads the plan, and where the cluster's driver finds the broadcasts the plan's envs use.

import type { AggregatorPlan, FunctionPlan, ResultAction, StagePlan } from './protocol.js';

export function functionPlansOf(plan: StagePlan): FunctionPlan[] {
  const out: FunctionPlan[] = [];
  const addAggregator = (a: AggregatorPlan): void => {
    if (a.createCombiner !== undefined) out.push(a.createCombiner);
    out.push(a.mergeValue, a.mergeCombiners);
  };
  for (const node of plan.nodes) {
    const c = node.compute;
    if (c.kind === 'narrow' && 'f' in c.op) out.push(c.op.f);
    if (c.kind === 'narrow' && c.op.kind === 'combineByKey') addAggregator(c.op.aggregator);
    if (c.kind === 'zipped' && c.f !== undefined) out.push(c.f);
    if (c.kind === 'shuffled' && c.aggregator !== undefined) addAggregator(c.aggregator);
  }
  if (plan.output.kind === 'shuffleMap') {
    if (plan.output.combine !== undefined) addAggregator(plan.output.combine);
    if (plan.output.partitioner.kind === 'custom') out.push(plan.output.partitioner.f);
  } else {
    out.push(...actionFunctions(plan.output.action));
  }
  return out;
}

function actionFunctions(action: ResultAction): FunctionPlan[] {
  switch (action.kind) {
    case 'reduce':
    case 'foreach':
    case 'foreachPartition':
      return [action.f];
    case 'aggregate':
      return [action.seqOp];
    case 'takeOrdered':
      return action.order.kind === 'natural' ? [] : [action.order.f];
    case 'collect':
    case 'count':
    case 'countByValue':
    case 'countByKey':
    case 'drain':
    case 'take':
    case 'sampleKeys':
    case 'lookup':
    case 'saveAsTextFile':
    case 'saveAsObjectFile':
    case 'hllRegisters':
      return [];
  }
}
