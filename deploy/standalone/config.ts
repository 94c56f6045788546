import { homedir } from 'node:os';
import { join } from 'node:path';
import { EnvReader, type Env } from '../../common/config/env-reader';

// The standalone profile's own settings; the controller and invoker read theirs from the same
// environment through their own loaders.

export type FactoryChoice = 'auto' | 'docker' | 'process';

export interface StandaloneConfig {
  readonly dataDir: string;
  readonly containerFactory: FactoryChoice;
}

export function loadStandaloneConfig(env: Env): StandaloneConfig {
  const reader = new EnvReader(env);
  const config: StandaloneConfig = {
    dataDir: reader.string('WISP_DATA_DIR', join(env.HOME ?? homedir(), '.wisp')),
    containerFactory: reader.oneOf<FactoryChoice>('WISP_CONTAINER_FACTORY', ['auto', 'docker', 'process'], 'auto'),
  };
  reader.done();
  return Object.freeze(config);
}
