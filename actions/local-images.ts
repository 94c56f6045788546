import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, createReadStream, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';

// The Docker engine operations every local image build shares: look an image up, import a
// root filesystem, lay files onto a local base (no registry is ever asked), follow the
// progress stream to its real outcome, and prune superseded builds.

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
  const tar = spawnTar(tarArgs);
  const progress = await docker.importImage(tar.stdout, { repo: target.repository, tag: target.tag, changes: [...target.changes] });
  const events = await followProgress(docker, progress);
  await tar.done('the root filesystem');
  const failure = failureOf(events);
  if (failure) throw new Error(`docker import failed: ${failure}`);
}

interface TarStream {
  readonly stdout: Readable;
  /** Rejects when tar failed, with its exit code and what it printed. */
  done(what: string): Promise<void>;
}

function spawnTar(args: readonly string[]): TarStream {
  const tar = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A spawn error settles the exit too (never rejects before done() is awaited: no unhandled rejection).
  const exit = new Promise<string | number | null>((resolve) => {
    tar.on('error', (error) => resolve(error.message));
    tar.on('close', (code) => resolve(code));
  });
  return {
    stdout: tar.stdout,
    async done(what) {
      const code = await exit;
      if (code !== 0) throw new Error(`tar of ${what} failed (${typeof code === 'string' ? code : `exit ${code}`}): ${stderr.trim()}`);
    },
  };
}

export interface LayerFile {
  /** A file on this machine. */
  readonly source: string;
  /** Its absolute path in the image; missing folders are made (0755, root). */
  readonly target: string;
  /** 0644 unless given. */
  readonly mode?: number;
}

export interface LayerOntoOptions {
  /** An image already in the engine. */
  readonly base: string;
  /** `repository:tag` of the result. */
  readonly tag: string;
  readonly files: readonly LayerFile[];
  /** Dockerfile instructions applied on commit (CMD, ENV, EXPOSE, LABEL); name the CMD, or the
   * placeholder command the container was created with stays. */
  readonly changes: readonly string[];
}

/**
 * One layer of files on top of a local image, with its metadata: create a container (never
 * started), copy the files in, commit it. This is `docker build` without the builder: every
 * engine (and Podman's Docker API) implements create, archive and commit alike, while the
 * classic builder's context handling differs between engines, and no registry is ever asked.
 */
export async function layerOnto(docker: Dockerode, options: LayerOntoOptions): Promise<void> {
  const [repo, tag] = splitTag(options.tag);
  const container = await docker.createContainer({ Image: options.base, Cmd: ['/bin/true'], NetworkDisabled: true });
  try {
    if (options.files.length > 0) await putFiles(container, options.files);
    await container.commit({ repo, tag, changes: [...options.changes], pause: false });
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

async function putFiles(container: Dockerode.Container, files: readonly LayerFile[]): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'wisp-layer-'));
  try {
    for (const file of files) {
      const local = join(root, file.target);
      if (!isAbsolute(file.target) || !local.startsWith(root + sep)) throw new Error(`a layer file's target must be an absolute path: ${file.target}`);
      mkdirSync(dirname(local), { recursive: true });
      // Modes are set, not left to the umask: tar records them and the image keeps them.
      for (let dir = dirname(local); dir !== root; dir = dirname(dir)) chmodSync(dir, 0o755);
      copyFileSync(file.source, local);
      chmodSync(local, file.mode ?? 0o644);
    }
    const tar = spawnTar(['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-c', ...readdirSync(root)]);
    // putArchive answers once the engine has unpacked the whole stream.
    await container.putArchive(tar.stdout as NodeJS.ReadableStream, { path: '/' });
    await tar.done("the layer's files");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function splitTag(reference: string): [string, string] {
  const colon = reference.lastIndexOf(':');
  if (colon <= reference.lastIndexOf('/')) return [reference, 'latest'];
  return [reference.slice(0, colon), reference.slice(colon + 1)];
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
