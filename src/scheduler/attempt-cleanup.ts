// A task attempt that failed may have left temp files behind: a worker killed
// mid-write (or out of memory) cannot abort its own writers nor remove its spill
// runs. Every temp file and spill run an attempt writes carries its attempt tag,
// so the main thread removes exactly those.

import fs from 'node:fs';
import path from 'node:path';
import type { StagePlan, TaskRequest } from '../shared/protocol.js';
import { attemptTag, isSpillFileOf, isTempFileOf } from '../shared/file-names.js';

export function cleanAttemptTempFiles(request: TaskRequest, plan: StagePlan): void {
  const tag = attemptTag(request.taskId, request.attempt);
  const dirs = new Set([plan.localDir, path.join(plan.localDir, 'blocks')]);
  for (const node of plan.nodes) if (node.checkpoint !== undefined) dirs.add(node.checkpoint.dir);
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names)
      if (isTempFileOf(name, tag) || isSpillFileOf(name, tag))
        fs.rmSync(path.join(dir, name), { force: true });
  }
}
