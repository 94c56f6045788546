import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import type { RuntimeFamily } from '../common/entities/action';
import { importDirectory, inspectImage, pruneOlderBuilds } from './local-images';
import { buildPythonRuntimeImage } from './python-image';
import { bundleRuntime } from './runtime-bundle';
import { RUNTIME_HASH_LABEL, runtimeImage, runtimeImageRepository } from './runtime-image-names';

export { BUILD_IMAGES_COMMAND, RUNTIME_FAMILIES, RUNTIME_HASH_LABEL, runtimeImage, runtimeImageRepository } from './runtime-image-names';

// Runtime images are built here, from parts already on this machine or the Debian mirror,
// because no registry is reachable (ADR 0004). nodejs: the host's own `node` with the shared
// libraries `ldd` names, the bundled proxy, and a minimal root filesystem, imported with
// `docker import`. python: python-image.ts (debootstrapped Debian python3 + proxy.py). Each
// image is labelled with a hash of its inputs, so a rebuild is skipped when nothing changed.

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
  /** Where debootstrapped root filesystems are cached (python); see build-config.ts. */
  readonly cacheDir?: string;
  readonly debianMirror?: string;
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
  if (options.family === 'python') {
    if (!options.cacheDir || !options.debianMirror) throw new Error('the python runtime image needs cacheDir and debianMirror (actions/build-config.ts)');
    return buildPythonRuntimeImage({ docker: options.docker, cacheDir: options.cacheDir, debianMirror: options.debianMirror, force: options.force });
  }
  return buildNodejsRuntimeImage({ ...options, family: options.family });
}

async function buildNodejsRuntimeImage(options: BuildImageOptions & { readonly family: 'nodejs' }): Promise<BuildImageResult> {
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
    await pruneOlderBuilds(docker, repository, RUNTIME_HASH_LABEL, pinned);
    return { image, pinned, hash, built: false };
  }

  const rootfs = mkdtempSync(join(tmpdir(), `wisp-rootfs-${family}-`));
  try {
    assembleRootfs(rootfs, { nodeBinary, libraries, proxyFile: bundle.file });
    await importDirectory(docker, rootfs, {
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
  await pruneOlderBuilds(docker, repository, RUNTIME_HASH_LABEL, pinned);
  return { image, pinned, hash, built: true };
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
