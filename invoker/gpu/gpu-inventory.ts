import { execFile } from 'node:child_process';
import type { GpuDevice } from '../../common/entities/gpu';
import type { Logger } from '../../common/logging/logger';
import type { LedgerDevice } from './gpu-ledger';

// Where an invoker's GPUs come from (DESIGN.md §8): declared in WISP_INVOKER_GPUS (tests, and
// machines where detection is not wanted) or, with WISP_INVOKER_GPUS=detect, read from
// nvidia-smi at start. The parsers are pure; only detectGpus runs anything.

/** A detected device also says how much of its memory something outside Wisp already uses. */
export interface DetectedGpu extends GpuDevice {
  readonly usedMb: number;
}

export const NVIDIA_SMI_ARGS = ['--query-gpu=index,uuid,name,memory.total,memory.used', '--format=csv,noheader,nounits'] as const;

/** Reads WISP_INVOKER_GPUS's JSON list of `{index, uuid, name, memoryMb}`; every problem is named. */
export function parseDeclaredGpus(raw: string): { devices: GpuDevice[]; problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { devices: [], problems: [`WISP_INVOKER_GPUS must be 'detect' or a JSON list of {index, uuid, name, memoryMb}, but is not JSON`] };
  }
  if (!Array.isArray(parsed)) return { devices: [], problems: ['WISP_INVOKER_GPUS must be a JSON list of {index, uuid, name, memoryMb}'] };
  const problems: string[] = [];
  const devices: GpuDevice[] = [];
  parsed.forEach((item: unknown, position) => {
    const where = `WISP_INVOKER_GPUS[${position}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push(`${where} must be an object {index, uuid, name, memoryMb}`);
      return;
    }
    const d = item as Record<string, unknown>;
    const before = problems.length;
    if (typeof d.index !== 'number' || !Number.isInteger(d.index) || d.index < 0) problems.push(`${where}.index must be a whole number from 0, but was ${JSON.stringify(d.index)}`);
    if (typeof d.uuid !== 'string' || !/^[\w.:-]{1,128}$/.test(d.uuid)) problems.push(`${where}.uuid must be a device id such as 'GPU-…' (letters, digits, '-', '_', '.', ':'), but was ${JSON.stringify(d.uuid)}`);
    if (typeof d.name !== 'string' || d.name.length === 0 || d.name.length > 128) problems.push(`${where}.name must be a non-empty string, but was ${JSON.stringify(d.name)}`);
    if (typeof d.memoryMb !== 'number' || !Number.isInteger(d.memoryMb) || d.memoryMb < 1) problems.push(`${where}.memoryMb must be a whole number of MB from 1, but was ${JSON.stringify(d.memoryMb)}`);
    if (problems.length === before) devices.push({ index: d.index as number, uuid: d.uuid as string, name: d.name as string, memoryMb: d.memoryMb as number });
  });
  problems.push(...duplicates(devices));
  return { devices, problems };
}

/** Parses `nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(output: string): DetectedGpu[] {
  const devices: DetectedGpu[] = [];
  for (const [lineNo, line] of output.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const fields = line.split(',').map((field) => field.trim());
    // A name never holds a comma in practice, but take the numbers from the end should one.
    if (fields.length < 5) throw new Error(`nvidia-smi line ${lineNo + 1} has ${fields.length} fields, expected 5: ${line}`);
    const index = Number(fields[0]);
    const uuid = fields[1]!;
    const name = fields.slice(2, -2).join(', ');
    const memoryMb = Number(fields[fields.length - 2]);
    const usedMb = Number(fields[fields.length - 1]);
    if (!Number.isInteger(index) || !uuid || !Number.isFinite(memoryMb) || !Number.isFinite(usedMb)) {
      throw new Error(`nvidia-smi line ${lineNo + 1} is not index, uuid, name, memory.total, memory.used in MiB: ${line}`);
    }
    devices.push({ index, uuid, name, memoryMb: Math.floor(memoryMb), usedMb: Math.ceil(usedMb) });
  }
  const problems = duplicates(devices);
  if (problems.length > 0) throw new Error(`nvidia-smi reported ${problems.join('; ')}`);
  return devices;
}

export type RunCommand = (file: string, args: readonly string[]) => Promise<string>;

const runFile: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: 15_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });

/** Runs nvidia-smi; a missing one (or one that fails) is a start error that says what to do. */
export async function detectGpus(run: RunCommand = runFile, file = 'nvidia-smi'): Promise<DetectedGpu[]> {
  let output: string;
  try {
    output = await run(file, NVIDIA_SMI_ARGS);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `WISP_INVOKER_GPUS=detect needs nvidia-smi on the PATH, and there is none: install the NVIDIA driver, or declare the GPUs in WISP_INVOKER_GPUS as JSON`
        : `WISP_INVOKER_GPUS=detect: nvidia-smi failed: ${(error as Error).message}`,
    );
  }
  return parseNvidiaSmi(output);
}

/** The invoker's GPUs: the declared ones, or what nvidia-smi reports (a missing nvidia-smi is a start error). */
export async function invokerGpus(
  source: { readonly source: 'declared'; readonly devices: readonly GpuDevice[] } | { readonly source: 'detect' },
  logger: Logger,
  run?: RunCommand,
): Promise<LedgerDevice[]> {
  if (source.source === 'declared') return [...source.devices];
  const detected = await detectGpus(run);
  logger.info({ gpus: detected }, `detected ${detected.length} GPU(s) with nvidia-smi`);
  return detected.map(({ usedMb, ...device }) => ({ ...device, usedOutsideMb: usedMb }));
}

function duplicates(devices: readonly GpuDevice[]): string[] {
  const problems: string[] = [];
  const seen = { index: new Set<number>(), uuid: new Set<string>() };
  for (const device of devices) {
    if (seen.index.has(device.index)) problems.push(`two GPUs with index ${device.index}`);
    if (seen.uuid.has(device.uuid)) problems.push(`two GPUs with uuid ${device.uuid}`);
    seen.index.add(device.index);
    seen.uuid.add(device.uuid);
  }
  return problems;
}
