import type { RuntimeProxyFiles } from '../../actions/runtime-proxy-files';
import { bundleRuntimeSync } from '../../actions/runtime-bundle';
import { PYTHON_PROXY_FILE } from '../../actions/runtime-python/proxy-file';

// Tests run the sources, where no `npm run build` has put a proxy bundle: bundle the nodejs proxy
// from the same sources once per test process, as the build does for dist/.

let bundled: RuntimeProxyFiles | undefined;

export function testRuntimeProxies(): RuntimeProxyFiles {
  bundled ??= { nodejs: bundleRuntimeSync('nodejs').file, python: PYTHON_PROXY_FILE };
  return bundled;
}
