import type { ChildProcess } from 'node:child_process';

// Process containers must never outlive the invoker that started them: every live child is
// killed synchronously when this process exits, however it exits short of SIGKILL.

const live = new Set<ChildProcess>();
let hooked = false;

export function reapOnExit(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}
