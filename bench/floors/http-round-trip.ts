import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';

// Physical floor for any REST figure: a keep-alive HTTP round trip on loopback into a bare Node
// server in another process (as the controller is), answering a small JSON body at once.

const SERVER = `
const payload = Buffer.from(JSON.stringify({ pad: 'x'.repeat(Number(process.argv[1])) }));
const server = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': payload.length }); res.end(payload); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export async function measureHttpRoundTrip(options: { iterations: number; bodyBytes?: number }): Promise<number[]> {
  const child = spawn(process.execPath, ['-e', SERVER, String(options.bodyBytes ?? 300)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [first] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(first.toString('utf8').trim());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const roundTrip = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  try {
    for (let i = 0; i < Math.min(500, options.iterations); i++) await roundTrip();
    const samples: number[] = [];
    for (let i = 0; i < options.iterations; i++) {
      const started = performance.now();
      await roundTrip();
      samples.push(performance.now() - started);
    }
    return samples;
  } finally {
    agent.destroy();
    child.stdin!.end();
    await once(child, 'exit');
  }
}
