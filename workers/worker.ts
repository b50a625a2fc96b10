// The Piscina task module (the pool's `filename`): connects the control plane when the worker
// thread loads it, then answers each TaskRequest with a TaskResult. It never rejects
// (piscina strips custom errors, and an uncloneable result rejects with {}).

import type { TaskBatch, TaskRequest, TaskResult } from '../src/shared/protocol.js';
import { connectControlPlane } from './control.js';
import { getLoadedPlan } from './plan-cache.js';
import { runTask } from './run-task.js';

const control = connectControlPlane();

export default async function kindlingTask(
  message: TaskRequest | TaskBatch,
): Promise<TaskResult | TaskResult[]> {
  if (message.kind === 'task')
    return runTask(message, () => getLoadedPlan(control, message.planId));
  // A batch of tiny tasks runs one after the other, each answered on its own.
  const results: TaskResult[] = [];
  for (const req of message.tasks)
    results.push(await runTask(req, () => getLoadedPlan(control, req.planId)));
  return results;
}
