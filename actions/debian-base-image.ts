import type Dockerode from 'dockerode';
import { ensureRootfsTarball, rootfsHash, type RootfsRecipe } from './debian-rootfs';
import { importTarball, inspectImage } from './local-images';
import { BASE_HASH_LABEL, BASE_IMAGE_REPOSITORY } from './runtime-image-names';

// A debootstrapped root filesystem as an image in the local engine (`wisp-base-debian:<hash>`),
// for layers of files to go on top of (local-images.ts layerOnto). Present means done: neither
// debootstrap nor the import runs again for the same recipe. Bases are not pruned: several recipes may be in use (the
// python runtime, test fixtures), and a recipe changes rarely.

export interface BaseImage {
  readonly image: string;
  readonly hash: string;
  readonly built: boolean;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function ensureDebianBaseImage(docker: Dockerode, recipe: RootfsRecipe, cacheDir: string): Promise<BaseImage> {
  const hash = rootfsHash(recipe);
  const image = `${BASE_IMAGE_REPOSITORY}:${hash.slice(0, 12)}`;
  const existing = await inspectImage(docker, image);
  if (existing?.Config?.Labels?.[BASE_HASH_LABEL] === hash) return { image, hash, built: false };
  const rootfs = await ensureRootfsTarball(recipe, cacheDir);
  await importTarball(docker, rootfs.tarball, {
    repository: BASE_IMAGE_REPOSITORY,
    tag: hash.slice(0, 12),
    changes: [`ENV PATH=${PATH}`, 'ENV LANG=C.UTF-8', `LABEL ${BASE_HASH_LABEL}=${hash}`],
  });
  return { image, hash, built: true };
}
