import { homedir } from 'node:os';
import { join } from 'node:path';
import { EnvReader, type Env } from '../common/config/env-reader';

// Where image builds keep what is slow to make (the debootstrapped root filesystems), and the
// Debian mirror they come from. Read from an environment passed in, like every config loader.

export interface BuildConfig {
  /** `$WISP_CACHE_DIR`, else `~/.cache/wisp`. */
  readonly cacheDir: string;
  /** `$WISP_DEBIAN_MIRROR`, else http://deb.debian.org/debian. */
  readonly debianMirror: string;
}

export function loadBuildConfig(env: Env): BuildConfig {
  const reader = new EnvReader(env);
  const config: BuildConfig = {
    cacheDir: reader.string('WISP_CACHE_DIR', join(env.HOME ?? homedir(), '.cache', 'wisp')),
    debianMirror: reader.string('WISP_DEBIAN_MIRROR', 'http://deb.debian.org/debian'),
  };
  if (!/^https?:\/\/\S+$/.test(config.debianMirror)) reader.problem(`WISP_DEBIAN_MIRROR must be an http(s) URL, but was '${config.debianMirror}'`);
  reader.done();
  return Object.freeze(config);
}
