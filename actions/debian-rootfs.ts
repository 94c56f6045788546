import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// Minimal Debian root filesystems made with debootstrap from the Debian mirror (no container
// registry is reachable; DESIGN.md §5), kept as tarballs in the cache dir under a hash of the
// recipe, so only the first build on a machine pays for debootstrap (~30 s).

export interface RootfsRecipe {
  readonly suite: string;
  /** Packages on top of the minbase variant (`python3-minimal` alone lacks `json`). */
  readonly include: readonly string[];
  readonly mirror: string;
}

export interface RootfsTarball {
  readonly tarball: string;
  /** sha256 (hex) of the recipe; names the tarball and the base image built from it. */
  readonly hash: string;
  readonly built: boolean;
}

// Bump when the steps below change in a way the recipe's fields cannot show.
const ROOTFS_RECIPE_VERSION = '1';
// What a runtime never needs: package caches and lists, documentation, translations.
const TRIMMED = ['var/cache/apt', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale'];

export function rootfsHash(recipe: RootfsRecipe): string {
  return createHash('sha256')
    .update(`rootfs ${ROOTFS_RECIPE_VERSION}\nsuite ${recipe.suite}\nvariant minbase\ninclude ${[...recipe.include].sort().join(',')}\nmirror ${recipe.mirror}\ntrim ${TRIMMED.join(',')}\n`)
    .digest('hex');
}

/** The cached tarball for the recipe, debootstrapped first when the cache has none. */
export async function ensureRootfsTarball(recipe: RootfsRecipe, cacheDir: string): Promise<RootfsTarball> {
  const hash = rootfsHash(recipe);
  const tarball = join(cacheDir, `rootfs-${recipe.suite}-${hash.slice(0, 16)}.tar`);
  if (existsSync(tarball)) return { tarball, hash, built: false };
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, 'rootfs-build-'));
  try {
    const root = join(work, 'root');
    await run('debootstrap', ['--variant=minbase', `--include=${recipe.include.join(',')}`, recipe.suite, root, recipe.mirror], {
      missing: 'debootstrap is not installed (apt-get install debootstrap); it builds the runtime base images',
    });
    for (const path of TRIMMED) {
      rmSync(join(root, path), { recursive: true, force: true });
      mkdirSync(join(root, path), { recursive: true });
    }
    // Written aside and renamed: a parallel build of the same recipe never sees half a tarball.
    const partial = join(work, 'rootfs.tar');
    await run('tar', ['-C', root, '--numeric-owner', '-cf', partial, '.'], { missing: 'tar is not installed' });
    renameSync(partial, tarball);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { tarball, hash, built: true };
}

function run(command: string, args: readonly string[], hints: { readonly missing: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8192);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new Error(hints.missing) : error));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`));
    });
  });
}
