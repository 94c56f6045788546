import { EnvReader, isConfigError } from './env-reader';
import { readSharedConfig } from './shared-config';

const read = (env: Record<string, string>) => {
  const reader = new EnvReader(env);
  const config = readSharedConfig(reader);
  reader.done();
  return config;
};

describe('readSharedConfig: metrics', () => {
  it('serves no metrics unless WISP_METRICS_PORT is set', () => {
    expect(read({}).metrics).toBeUndefined();
  });

  it('listens on loopback by default, on the host given otherwise', () => {
    expect(read({ WISP_METRICS_PORT: '9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(read({ WISP_METRICS_PORT: '0', WISP_METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ host: '0.0.0.0', port: 0 });
  });

  it('reports a port that is no port', () => {
    let error: unknown;
    try {
      read({ WISP_METRICS_PORT: '70000' });
    } catch (err) {
      error = err;
    }
    expect(isConfigError(error) && error.problems).toEqual(['WISP_METRICS_PORT must be between 0 and 65535, but was 70000']);
  });
});
