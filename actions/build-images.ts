import Dockerode from 'dockerode';
import { loadBuildConfig } from './build-config';
import { BUILD_IMAGES_COMMAND, RUNTIME_FAMILIES, buildRuntimeImage } from './runtime-image';

// `npx tsx actions/build-images.ts [--force]`: builds every runtime image into the local
// Docker engine, skipping those already up to date. deploy/stack.sh runs it on `up`.
// WISP_CACHE_DIR (default ~/.cache/wisp) keeps the debootstrapped root filesystems.

async function main(argv: readonly string[]): Promise<void> {
  const force = argv.includes('--force');
  const { cacheDir, debianMirror } = loadBuildConfig(process.env);
  const docker = new Dockerode();
  for (const family of RUNTIME_FAMILIES) {
    const started = Date.now();
    const result = await buildRuntimeImage({ family, docker, force, cacheDir, debianMirror });
    const what = result.built ? `built in ${Date.now() - started} ms` : 'up to date';
    process.stdout.write(`${result.image} (${result.pinned}) ${what}\n`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${BUILD_IMAGES_COMMAND} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
