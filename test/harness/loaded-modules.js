// Preloaded with `node --require` into a process under test: when it exits, writes every module
// it loaded (require's cache) and how node was started to $WISP_TEST_LOADED_MODULES_FILE, so a
// test can check what production code really pulled in. Plain JavaScript: it runs before any loader.
'use strict';
const { writeFileSync } = require('node:fs');

// A directory instead names one file per process, by its controller or invoker id.
const dir = process.env.WISP_TEST_LOADED_MODULES_DIR;
const id = process.env.WISP_CONTROLLER_ID ?? process.env.WISP_INVOKER_ID;
const target = process.env.WISP_TEST_LOADED_MODULES_FILE ?? (dir && id ? `${dir}/${id}.json` : undefined);
if (target) {
  process.on('exit', () => {
    const report = { execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS ?? '', modules: Object.keys(require.cache) };
    writeFileSync(target, JSON.stringify(report));
  });
}
