import { LOG_SENTINEL } from '../../common/protocol/runtime-protocol';
import { ActionRuntime } from './action-runtime';
import { loadAction } from './load-action';
import { createProxyServer } from './proxy-server';
import { takeProxyToken } from './proxy-token';
import { tagOutput } from './tagged-output';

// Entry point of the nodejs runtime: in an image (listening on 0.0.0.0:8080) or as a process
// container (127.0.0.1 and a port the factory picked). Bundled into one file by
// actions/runtime-bundle.ts; it prints nothing of its own on stdout, which belongs to the action.

// Taken out of the environment first, before anything can load the action's code.
const proxyToken = takeProxyToken(process.env);

const port = Number.parseInt(process.env.PORT ?? '8080', 10);
const host = process.env.WISP_RUNTIME_HOST ?? '0.0.0.0';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`runtime: PORT must be a port number, but was '${process.env.PORT}'`);
  process.exit(2);
}

// As OpenWhisk's nodejs runtime: overlapping /run only when the platform asks for it; then every
// line is tagged with its activation id so the invoker can tell the activations' logs apart.
const concurrent = process.env.__OW_ALLOW_CONCURRENT === 'true';
const tagger = concurrent ? tagOutput([process.stdout, process.stderr]) : undefined;

const runtime = new ActionRuntime({
  load: loadAction,
  setEnv: (name, value) => {
    process.env[name] = value;
  },
  unsetEnv: (name) => {
    delete process.env[name];
  },
  writeSentinels: (activationId) => {
    const tag = activationId === undefined ? '' : `${activationId} `;
    console.log(`${tag}${LOG_SENTINEL}`);
    console.error(`${tag}${LOG_SENTINEL}`);
  },
  logError: (...args) => console.error(...args),
  maxConcurrent: concurrent ? Number.MAX_SAFE_INTEGER : 1,
  ...(tagger ? { withActivation: tagger.withActivation } : {}),
});

const server = createProxyServer(runtime, { maxBodyBytes: 128 * 1024 * 1024, ...(proxyToken !== undefined ? { proxyToken } : {}) });
server.on('error', (error) => {
  console.error('runtime: cannot listen', error);
  process.exit(1);
});
server.listen(port, host);

// As PID 1 in a container, Node would ignore SIGTERM; exit promptly instead.
process.on('SIGTERM', () => process.exit(0));

// A process container holds a pipe from its invoker on stdin. When the invoker dies, however
// it dies (SIGKILL included, which runs no exit hook), the pipe closes and the runtime follows.
if (process.env.WISP_RUNTIME_EXIT_WITH_STDIN === 'true') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
