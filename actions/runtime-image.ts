import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import type { RuntimeFamily } from '../common/entities/action';
import { bundleRuntime } from './runtime-bundle';
import { RUNTIME_HASH_LABEL, runtimeImage, runtimeImageRepository } from './runtime-image-names';

export { BUILD_IMAGES_COMMAND, RUNTIME_FAMILIES, RUNTIME_HASH_LABEL, runtimeImage, runtimeImageRepository } from './runtime-image-names';

// Runtime images are built here, from parts already on this machine, because no registry is
// reachable (ADR 0004): the host's own `node` with the shared libraries `ldd` names, the
// bundled proxy, and a minimal root filesystem, imported with `docker import`. The image is
// labelled with a hash of all of that, so a rebuild is skipped when nothing changed.

// Bump when the root filesystem below changes in a way the inputs' hashes cannot see.
const RECIPE_VERSION = '1';
const RUNTIME_PORT = 8080;

export interface BuildImageOptions {
  readonly family: RuntimeFamily;
  readonly docker: Dockerode;
  /** The node binary to ship; the one running this code by default. */
  readonly nodeBinary?: string;
  /** Build even when an image with the same hash exists. */
  readonly force?: boolean;
}

export interface BuildImageResult {
  /** `wisp-runtime-<family>:latest` */
  readonly image: string;
  /** `wisp-runtime-<family>:<hash12>` */
  readonly pinned: string;
  readonly hash: string;
  readonly built: boolean;
}

export async function buildRuntimeImage(options: BuildImageOptions): Promise<BuildImageResult> {
  const { family, docker } = options;
  const nodeBinary = options.nodeBinary ?? process.execPath;
  const bundle = await bundleRuntime(family);
  const libraries = parseLddOutput((await promisify(execFile)('ldd', [nodeBinary])).stdout);
  const hash = imageHash(bundle.hash, [nodeBinary, ...libraries]);
  const repository = runtimeImageRepository(family);
  const pinned = `${repository}:${hash.slice(0, 12)}`;
  const image = runtimeImage(family);

  const existing = await inspectImage(docker, pinned);
  if (!options.force && existing?.Config?.Labels?.[RUNTIME_HASH_LABEL] === hash) {
    const latest = await inspectImage(docker, image);
    if (latest?.Id !== existing.Id) await docker.getImage(pinned).tag({ repo: repository, tag: 'latest' });
    await pruneOlderBuilds(docker, repository, pinned);
    return { image, pinned, hash, built: false };
  }

  const rootfs = mkdtempSync(join(tmpdir(), `wisp-rootfs-${family}-`));
  try {
    assembleRootfs(rootfs, { nodeBinary, libraries, proxyFile: bundle.file });
    await importRootfs(docker, rootfs, {
      repository,
      tag: hash.slice(0, 12),
      changes: [
        'CMD ["/usr/bin/node","/runtime/proxy.js"]',
        `ENV PORT=${RUNTIME_PORT}`,
        `EXPOSE ${RUNTIME_PORT}`,
        `LABEL ${RUNTIME_HASH_LABEL}=${hash}`,
      ],
    });
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  await docker.getImage(pinned).tag({ repo: repository, tag: 'latest' });
  await pruneOlderBuilds(docker, repository, pinned);
  return { image, pinned, hash, built: true };
}

/**
 * Removes earlier builds of this repository (each is a full copy of node, ~100 MB). One still
 * used by a container is kept until a later build finds it unused.
 */
async function pruneOlderBuilds(docker: Dockerode, repository: string, keep: string): Promise<void> {
  const images = await docker.listImages({ filters: { reference: [repository], label: [RUNTIME_HASH_LABEL] } });
  for (const tag of images.flatMap((i) => i.RepoTags ?? [])) {
    if (tag === keep || tag === `${repository}:latest` || !tag.startsWith(`${repository}:`)) continue;
    try {
      await docker.getImage(tag).remove();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    }
  }
}

/** Absolute paths of the shared objects (the dynamic loader included) `ldd` lists. */
export function parseLddOutput(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    const resolved = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (resolved?.[1]) paths.push(resolved[1]);
  }
  return [...new Set(paths)];
}

function imageHash(bundleHash: string, files: readonly string[]): string {
  const hash = createHash('sha256').update(`recipe ${RECIPE_VERSION}\nbundle ${bundleHash}\n`);
  // Size and mtime stand in for the content: hashing a 100 MB node binary on every `up` is slow.
  for (const file of files) {
    const stat = statSync(file);
    hash.update(`${file} ${stat.size} ${stat.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

interface RootfsParts {
  readonly nodeBinary: string;
  readonly libraries: readonly string[];
  readonly proxyFile: string;
}

function assembleRootfs(root: string, parts: RootfsParts): void {
  const place = (source: string, target: string, mode: number) => {
    const destination = join(root, target);
    mkdirSync(dirname(destination), { recursive: true });
    copyFileSync(source, destination); // follows symlinks: the image gets the real files
    chmodSync(destination, mode);
  };
  place(parts.nodeBinary, 'usr/bin/node', 0o755);
  for (const library of parts.libraries) place(library, library, 0o755);
  place(parts.proxyFile, 'runtime/proxy.js', 0o644);
  mkdirSync(join(root, 'tmp'));
  chmodSync(join(root, 'tmp'), 0o1777);
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  // Without it glibc may try DNS before /etc/hosts, which Docker fills in.
  writeFileSync(join(root, 'etc', 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
}

interface ImportTarget {
  readonly repository: string;
  readonly tag: string;
  readonly changes: readonly string[];
}

async function importRootfs(docker: Dockerode, root: string, target: ImportTarget): Promise<void> {
  const tar = spawn('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarError = '';
  tar.stderr.on('data', (chunk: Buffer) => (tarError += chunk.toString()));
  const tarExit = new Promise<number | null>((resolve) => tar.on('close', (code) => resolve(code)));
  const progress = await docker.importImage(tar.stdout, { repo: target.repository, tag: target.tag, changes: [...target.changes] });
  const events = await new Promise<unknown[]>((resolve, reject) => {
    docker.modem.followProgress(progress, (error: Error | null, output: unknown[]) => (error ? reject(error) : resolve(output)));
  });
  const code = await tarExit;
  if (code !== 0) throw new Error(`tar of the runtime root filesystem failed (exit ${code}): ${tarError.trim()}`);
  const failure = events.find((event) => typeof event === 'object' && event !== null && 'error' in event) as { error?: unknown } | undefined;
  if (failure) throw new Error(`docker import failed: ${String(failure.error)}`);
}

async function inspectImage(docker: Dockerode, name: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(name).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}
