import type { RuntimeFamily } from '../common/entities/action';

// Names of the runtime images, apart from the code that builds them, so config loaders and
// the docker factory can name an image without loading esbuild or the build machinery.

export const RUNTIME_FAMILIES: readonly RuntimeFamily[] = ['nodejs', 'python'];
export const RUNTIME_HASH_LABEL = 'org.wisp.runtime-hash';
export const BUILD_IMAGES_COMMAND = 'npx tsx actions/build-images.ts';
/** Debootstrapped Debian root filesystems, tagged with their recipe's hash; runtime images build FROM them. */
export const BASE_IMAGE_REPOSITORY = 'wisp-base-debian';
export const BASE_HASH_LABEL = 'org.wisp.rootfs-hash';

export function runtimeImageRepository(family: RuntimeFamily): string {
  return `wisp-runtime-${family}`;
}

/** The tag invokers run by default; always points at the newest build. */
export function runtimeImage(family: RuntimeFamily): string {
  return `${runtimeImageRepository(family)}:latest`;
}
