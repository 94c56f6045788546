import { createHash } from 'node:crypto';
import type Dockerode from 'dockerode';
import { pythonProxy } from './runtime-python/proxy-file';
import { ensureDebianBaseImage } from './debian-base-image';
import { rootfsHash, type RootfsRecipe } from './debian-rootfs';
import { inspectImage, layerOnto, pruneOlderBuilds } from './local-images';
import { RUNTIME_HASH_LABEL, runtimeImage, runtimeImageRepository } from './runtime-image-names';

// wisp-runtime-python: Debian bookworm's python3 (debootstrapped, cached) with proxy.py on
// top. Its hash covers the root filesystem recipe and the proxy, so the check that nothing
// changed costs one file read and one image lookup.

// Bump when the layer below changes.
const PYTHON_RECIPE_VERSION = '1';
const RUNTIME_PORT = 8080;

export interface PythonImageOptions {
  readonly docker: Dockerode;
  readonly cacheDir: string;
  readonly debianMirror: string;
  readonly force?: boolean;
}

export interface PythonImageResult {
  readonly image: string;
  readonly pinned: string;
  readonly hash: string;
  readonly built: boolean;
}

export function pythonRootfsRecipe(mirror: string): RootfsRecipe {
  return { suite: 'bookworm', include: ['python3'], mirror };
}

export async function buildPythonRuntimeImage(options: PythonImageOptions): Promise<PythonImageResult> {
  const { docker } = options;
  const recipe = pythonRootfsRecipe(options.debianMirror);
  const proxy = pythonProxy();
  const hash = createHash('sha256').update(`python ${PYTHON_RECIPE_VERSION}\nrootfs ${rootfsHash(recipe)}\nproxy ${proxy.hash}\n`).digest('hex');
  const repository = runtimeImageRepository('python');
  const pinned = `${repository}:${hash.slice(0, 12)}`;
  const image = runtimeImage('python');

  const upToDate = !options.force && (await inspectImage(docker, pinned))?.Config?.Labels?.[RUNTIME_HASH_LABEL] === hash;
  if (!upToDate) {
    const base = await ensureDebianBaseImage(docker, recipe, options.cacheDir);
    await layerOnto(docker, {
      base: base.image,
      tag: pinned,
      files: [{ source: proxy.file, target: '/runtime/proxy.py' }],
      changes: [
        `ENV PORT=${RUNTIME_PORT} PYTHONUTF8=1 PYTHONDONTWRITEBYTECODE=1`,
        `EXPOSE ${RUNTIME_PORT}`,
        'CMD ["/usr/bin/python3", "/runtime/proxy.py"]',
        `LABEL ${RUNTIME_HASH_LABEL}=${hash}`,
      ],
    });
  }
  const [latest, current] = await Promise.all([inspectImage(docker, image), inspectImage(docker, pinned)]);
  if (latest?.Id !== current?.Id) await docker.getImage(pinned).tag({ repo: repository, tag: 'latest' });
  await pruneOlderBuilds(docker, repository, RUNTIME_HASH_LABEL, pinned);
  return { image, pinned, hash, built: !upToDate };
}
