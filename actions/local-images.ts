import { spawn } from 'node:child_process';
import { copyFileSync, createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';

// The Docker engine operations every local image build shares: look an image up, import a
// root filesystem, build FROM a local base (no registry is ever asked), follow the progress
// stream to its real outcome, and prune superseded builds.

export async function inspectImage(docker: Dockerode, name: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(name).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

export interface ImportTarget {
  readonly repository: string;
  readonly tag: string;
  /** Dockerfile instructions applied on import (CMD, ENV, EXPOSE, LABEL). */
  readonly changes: readonly string[];
}

/** `tar -C root -c . | docker import`: a directory becomes a one-layer image. */
export async function importDirectory(docker: Dockerode, root: string, target: ImportTarget): Promise<void> {
  await importTar(docker, ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], target);
}

/** A tarball on disk becomes a one-layer image (streamed, never held in memory). */
export async function importTarball(docker: Dockerode, tarball: string, target: ImportTarget): Promise<void> {
  const progress = await docker.importImage(createReadStream(tarball), { repo: target.repository, tag: target.tag, changes: [...target.changes] });
  const failure = failureOf(await followProgress(docker, progress));
  if (failure) throw new Error(`docker import of ${tarball} failed: ${failure}`);
}

async function importTar(docker: Dockerode, tarArgs: readonly string[], target: ImportTarget): Promise<void> {
  const tar = spawn('tar', tarArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarError = '';
  tar.stderr.on('data', (chunk: Buffer) => (tarError += chunk.toString()));
  const tarExit = new Promise<number | null>((resolve) => tar.on('close', (code) => resolve(code)));
  const progress = await docker.importImage(tar.stdout, { repo: target.repository, tag: target.tag, changes: [...target.changes] });
  const events = await followProgress(docker, progress);
  const code = await tarExit;
  if (code !== 0) throw new Error(`tar of the root filesystem failed (exit ${code}): ${tarError.trim()}`);
  const failure = failureOf(events);
  if (failure) throw new Error(`docker import failed: ${failure}`);
}

export interface BuildFromOptions {
  /** `repository:tag` of the result. */
  readonly tag: string;
  readonly dockerfile: string;
  /** Files copied into the build context under their base names. */
  readonly files: readonly string[];
}

/** `docker build` of a tiny context (a Dockerfile and a few files) FROM an image already in the engine. */
export async function buildFrom(docker: Dockerode, options: BuildFromOptions): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), 'wisp-build-context-'));
  try {
    writeFileSync(join(context, 'Dockerfile'), options.dockerfile);
    for (const file of options.files) copyFileSync(file, join(context, basename(file)));
    const tar = spawn('tar', ['-C', context, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const progress = await docker.buildImage(tar.stdout as Readable as NodeJS.ReadableStream, { t: options.tag, rm: true, forcerm: true, pull: false });
    const failure = failureOf(await followProgress(docker, progress));
    if (failure) throw new Error(`docker build of ${options.tag} failed: ${failure}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/**
 * Removes the other tags of `repository` carrying `label` (each build may be a full copy of a
 * root filesystem); one still used by a container or another image is kept for a later run.
 */
export async function pruneOlderBuilds(docker: Dockerode, repository: string, label: string, keep: string): Promise<void> {
  const images = await docker.listImages({ filters: { reference: [repository], label: [label] } });
  for (const tag of images.flatMap((i) => i.RepoTags ?? [])) {
    if (tag === keep || tag === `${repository}:latest` || !tag.startsWith(`${repository}:`)) continue;
    try {
      await docker.getImage(tag).remove();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    }
  }
}

function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<unknown[]> {
  return new Promise<unknown[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: unknown[]) => (error ? reject(error) : resolve(output)));
  });
}

function failureOf(events: readonly unknown[]): string | undefined {
  for (const event of events) {
    if (typeof event !== 'object' || event === null) continue;
    const { error, errorDetail } = event as { error?: unknown; errorDetail?: { message?: unknown } };
    if (error !== undefined) return String(error);
    if (errorDetail?.message !== undefined) return String(errorDetail.message);
  }
  return undefined;
}
