// The Piscina task module (the pool's `filename`): connects the control plane when the worker
// thread loads it, then answers each TaskRequest with a TaskResult. It never rejects
// (STYLE.md: piscina strips custom errors, and an uncloneable result rejects with {}).

import type { TaskRequest, TaskResult } from '../src/protocol.js';
import { connectControlPlane } from './control.js';
import { getLoadedPlan } from './plan-cache.js';
import { runTask } from './run-task.js';

const control = connectControlPlane();

export default function kindlingTask(req: TaskRequest): Promise<TaskResult> {
  return runTask(req, () => getLoadedPlan(control, req.planId));
}
