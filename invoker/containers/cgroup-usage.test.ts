import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupUsage, cpuStatNanos } from './cgroup-usage';

const ID = 'c0ffee'.repeat(10) + 'abcd';

describe('CgroupUsage', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'wisp-cgroup-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads cgroup v1 (cgroupfs): CPU in ns, the peak since the last read, which it restarts', async () => {
    mkdirSync(join(root, 'cpuacct', 'docker', ID), { recursive: true });
    mkdirSync(join(root, 'memory', 'docker', ID), { recursive: true });
    writeFileSync(join(root, 'cpuacct', 'docker', ID, 'cpuacct.usage'), '123456789\n');
    writeFileSync(join(root, 'memory', 'docker', ID, 'memory.max_usage_in_bytes'), '52428800\n');
    const usage = new CgroupUsage(ID, root);
    expect(await usage.read()).toEqual({ cpuNanos: 123456789, memoryPeakBytes: 52428800 });
    expect(readFileSync(join(root, 'memory', 'docker', ID, 'memory.max_usage_in_bytes'), 'utf8')).toBe('0');
  });

  it('reads cgroup v2 (systemd scope): usage_usec from cpu.stat and memory.peak', async () => {
    const scope = join(root, 'system.slice', `docker-${ID}.scope`);
    mkdirSync(scope, { recursive: true });
    writeFileSync(join(scope, 'cpu.stat'), 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n');
    writeFileSync(join(scope, 'memory.peak'), '1048576\n');
    expect(await new CgroupUsage(ID, root).read()).toEqual({ cpuNanos: 2_500_000, memoryPeakBytes: 1048576 });
  });

  it('measures nothing where the files are not to be read (another host, no cgroup access)', async () => {
    expect(await new CgroupUsage(ID, root).read()).toBeUndefined();
  });

  it('parses cpu.stat, and nothing from a file without usage_usec', () => {
    expect(cpuStatNanos('usage_usec 42\n')).toBe(42_000);
    expect(cpuStatNanos('user_usec 42\n')).toBeUndefined();
  });
});
