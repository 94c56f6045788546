// Import boundaries (DESIGN §1), checked by `npm run lint:boundaries`, which `npm test` runs.
// Each rule says in one line why it exists. Tests (*.test.ts) may reach across for set-up, so the
// service rules apply to product files only.
const TEST = '\\.(test|int\\.test|e2e\\.test)\\.ts$|^test/';
const PRODUCT = '^(common|controller|invoker|triggers|actions|deploy)/';

module.exports = {
  forbidden: [
    {
      name: 'services-stay-apart',
      comment: 'controller, invoker and triggers deploy and scale separately: they meet only through common/ ports and messages',
      severity: 'error',
      from: { path: '^(controller|invoker|triggers)/', pathNot: TEST },
      to: { path: '^(controller|invoker|triggers)/', pathNot: '^$1/' },
    },
    {
      name: 'common-is-the-kernel',
      comment: 'common/ is what every service shares, so it may not depend on any one of them',
      severity: 'error',
      from: { path: '^common/', pathNot: TEST },
      to: { path: '^(controller|invoker|triggers|actions|deploy|bench)/' },
    },
    {
      name: 'product-never-imports-tests',
      comment: 'test kits are not shipped in dist/; product code that needs one has a kit in the wrong folder',
      severity: 'error',
      from: { path: PRODUCT, pathNot: TEST },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'runtime-proxy-is-self-contained',
      comment: 'a runtime proxy runs inside the action container: it may use only the wire protocol, the zip checks it shares with the controller, node builtins and what its bundle carries',
      severity: 'error',
      from: { path: '^actions/runtime-nodejs/', pathNot: TEST },
      to: { pathNot: '^(actions/runtime-nodejs/|common/protocol/|common/archive/|node_modules/fflate/)', dependencyTypesNot: ['core'] },
    },
    {
      name: 'no-build-tools-at-run-time',
      comment: 'production runs compiled JavaScript: tsx, esbuild and the image builders are for development and builds only',
      severity: 'error',
      from: { path: '^(controller/main|invoker/main|triggers/main|deploy/standalone/main|controller/admin/wisp-admin|deploy/cli/main)\\.ts$' },
      to: { path: '^(node_modules/(tsx|esbuild|typescript)/|actions/(build-images|build-config|runtime-bundle|runtime-image|python-image|debian-base-image|debian-rootfs|local-images)\\.ts$|deploy/build/)', reachable: true },
    },
    {
      name: 'no-cycles',
      comment: 'a cycle means two files are one concern, or one of them holds what belongs to a third',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'an import that resolves to nothing fails at run time, after tsc (type-only paths included)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
