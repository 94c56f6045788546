import type { SandboxInfo } from '../../controller/routes/system.routes';

/** Process containers give user code the platform's own user and files: said loudly, everywhere a person looks. */
export function sandboxOf(kind: 'docker' | 'process'): SandboxInfo {
  return kind === 'docker'
    ? { containers: 'docker', isolated: true }
    : { containers: 'process', isolated: false, warning: 'actions run as local processes, UNSANDBOXED: they can read and change everything this user can. Run only code you trust, or start a Docker engine and build the runtime images (bash deploy/stack.sh up)' };
}
