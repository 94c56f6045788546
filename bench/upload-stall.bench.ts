import { randomBytes } from 'node:crypto';
import { checkZip } from '../common/archive/zip-check';
import { buildAction } from '../controller/actions/action-input';
import { closeJsonParseWorker, parseJsonOffThread } from '../controller/http/json-parse-worker';
import { defaultBounds } from '../common/entities/limits';
import { createZip } from '../test/harness/create-zip';
import { printComparison, summarize } from './stats';

// How long reading a large zip upload's action input holds the controller's event loop: the
// main-thread part of a PUT after the body is parsed (building the action from it), with the
// parse worker's findings (base64 test and decoded bytes, examined-code.ts) and without them (as
// before: a regular expression over the whole string, then a decode), next to the floor measured
// in the same run: the zip's central-directory check on bytes already decoded.
//
//   npx tsx bench/upload-stall.bench.ts [samples] [zip MB]   (24 MB of random bytes: ~45 MB of JSON, under the 48 MB exec limit)

const SAMPLES = Number(process.argv[2] ?? 15);
const ZIP_MB = Number(process.argv[3] ?? 24);

async function main(): Promise<void> {
  const zip = createZip({ 'package.json': '{"main":"index.js"}', 'index.js': 'exports.main = () => ({})', 'model.bin': randomBytes(ZIP_MB * 1024 * 1024).toString('latin1') });
  const body = Buffer.from(JSON.stringify({ exec: { kind: 'nodejs:20', code: zip.toString('base64') } }));
  const context = { namespace: 'guest', name: 'big', bounds: defaultBounds(512), now: Date.now() };
  const withFindings: number[] = [];
  const without: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const examined = (await parseJsonOffThread(body)) as Record<string, unknown>;
    let t = performance.now();
    buildAction(examined, context);
    withFindings.push(performance.now() - t);

    const inline = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    t = performance.now();
    buildAction(inline, context);
    without.push(performance.now() - t);

    t = performance.now();
    checkZip(zip);
    floor.push(performance.now() - t);
  }
  await closeJsonParseWorker();
  process.stdout.write(`upload: ${(body.length / 1024 / 1024).toFixed(1)} MB of JSON (a ${ZIP_MB} MB zip as base64), ${SAMPLES} samples\n`);
  const floorSummary = summarize(floor);
  printComparison([
    { name: 'main thread, with worker findings', value: summarize(withFindings), floor: floorSummary, floorName: 'central-directory check' },
    { name: 'main thread, without (as before)', value: summarize(without), floor: floorSummary, floorName: 'central-directory check' },
  ]);
}

void main();
