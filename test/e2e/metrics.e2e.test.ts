import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafkaMessageBus } from '../../common/adapters/kafka/kafka-message-bus';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import { eventually } from '../harness/eventually';
import { freePort } from '../harness/free-port';
import { startDistributedPlatform, startStandalonePlatform, type DistributedPlatform, type StandalonePlatform } from '../harness/platforms';
import { useTempDirs } from '../harness/temp-dirs';

// Issue #15: the figures an operator scrapes. A real Prometheus server (Debian's `prometheus`,
// installed by deploy/stack.sh) scrapes the distributed controller and invoker and answers
// PromQL over what they exported; standalone serves the controller's and the invoker's figures
// on one listener.

jest.setTimeout(180_000);

const tempDir = useTempDirs('wisp-metrics');
const headers = { Authorization: `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}`, 'Content-Type': 'application/json' };

async function deployAndInvoke(apihost: string, name: string, successes: number): Promise<void> {
  const code = 'function main(p) { if (p.fail) return { error: "asked to fail" }; return { ok: true }; }';
  const put = await fetch(`${apihost}/api/v1/namespaces/_/actions/${name}?overwrite=true`, { method: 'PUT', headers, body: JSON.stringify({ exec: { kind: 'nodejs:20', code } }) });
  expect(put.status).toBe(200);
  for (let i = 0; i < successes; i++) {
    const res = await fetch(`${apihost}/api/v1/namespaces/_/actions/${name}?blocking=true&result=true`, { method: 'POST', headers, body: '{}' });
    expect(res.status).toBe(200);
  }
  const failed = await fetch(`${apihost}/api/v1/namespaces/_/actions/${name}?blocking=true`, { method: 'POST', headers, body: '{"fail":true}' });
  expect(failed.status).toBe(502);
}

describe('metrics scraped by a real Prometheus, and user events on Kafka (distributed)', () => {
  let platform: DistributedPlatform | undefined;
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let promOutput = '';
  const prefix = `e2e-metrics-${process.pid}`;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix, metrics: true });
    const dir = tempDir();
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      ...platform.metricsTargets.flatMap(({ name, target }) => [`  - job_name: ${name}`, '    static_configs:', `      - targets: ['${target}']`]),
    ].join('\n');
    writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (data: Buffer) => (promOutput = (promOutput + data.toString('utf8')).slice(-8000));
    prometheus.stdout!.on('data', keep);
    prometheus.stderr!.on('data', keep);
    await eventually(async () => ((await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok ? true : undefined), 60_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}\nprometheus said:\n${promOutput}`);
    });
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      await once(prometheus, 'exit');
    }
    await platform?.stop();
  });

  /** The single value of an instant query, or undefined while Prometheus has none. */
  async function value(query: string): Promise<number | undefined> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await res.json()) as { status: string; data?: { result: { value: [number, string] }[] } };
    const result = body.data?.result ?? [];
    return result.length === 1 ? Number(result[0]!.value[1]) : undefined;
  }

  it('scrapes the controller and the invoker, and counts activations, cold starts, pool states and HTTP requests', async () => {
    await deployAndInvoke(platform!.apihost, 'scraped', 3);
    const want = (query: string, ok: (v: number) => boolean) =>
      eventually(async () => {
        const v = await value(query);
        return v !== undefined && ok(v) ? v : undefined;
      }, 30_000, 250).catch((err: Error) => {
        throw new Error(`${query}: ${err.message}`);
      });

    expect(await want('up{job="controller0"}', (v) => v === 1)).toBe(1);
    expect(await want('up{job="invoker0"}', (v) => v === 1)).toBe(1);
    expect(await want('wisp_activations_total{namespace="guest",action="scraped",status="success"}', (v) => v === 3)).toBe(3);
    expect(await want('wisp_activations_total{namespace="guest",action="scraped",status="application error"}', (v) => v === 1)).toBe(1);
    expect(await want('sum(wisp_cold_starts_total{job="invoker0"})', (v) => v >= 1)).toBeGreaterThanOrEqual(1);
    expect(await want('sum(wisp_activation_duration_seconds_count{job="invoker0"})', (v) => v >= 4)).toBeGreaterThanOrEqual(4);
    expect(await want('sum(wisp_activation_wait_seconds_count{job="invoker0"})', (v) => v >= 4)).toBeGreaterThanOrEqual(4);
    // The container that ran them is kept warm (idle, or paused after the grace) or prewarmed stem cells wait.
    expect(await want('sum(wisp_container_pool_containers{invoker="invoker0"})', (v) => v >= 1)).toBeGreaterThanOrEqual(1);
    expect(await want('wisp_kafka_consumer_lag{invoker="invoker0"}', (v) => v >= 0)).toBeGreaterThanOrEqual(0);
    // Route patterns, never raw paths: one series for every action's invoke.
    expect(await want('sum(wisp_http_requests_total{job="controller0",method="POST",route="/api/v1/namespaces/:namespace/actions/:name",status="200"})', (v) => v === 3)).toBe(3);
    expect(await want('sum(wisp_http_requests_total{job="controller0",route="/api/v1/namespaces/:namespace/actions/:name",status="502"})', (v) => v === 1)).toBe(1);
    expect(await want('process_resident_memory_bytes{job="invoker0"}', (v) => v > 0)).toBeGreaterThan(0);
  });

  it('publishes each activation as an OpenWhisk user event on <prefix>.events', async () => {
    await deployAndInvoke(platform!.apihost, 'evented', 2);
    const bus = createKafkaMessageBus({ brokers: ['127.0.0.1:9092'], clientId: `${prefix}-events-reader`, logger: silentLogger });
    const events: { body: { name: string; statusCode: number; activationId: string }; eventType: string; source: string }[] = [];
    try {
      const topic = createNaming(prefix).userEventsTopic();
      await bus.ensureTopic(topic);
      const subscription = await bus.subscribe({ topic, groupId: `${prefix}-events-reader`, onMessage: (m) => void events.push(JSON.parse(m.value.toString())) });
      const mine = () => events.filter((e) => e.body.name === 'guest/evented');
      await eventually(async () => (mine().length >= 3 ? true : undefined), 30_000, 100);
      await subscription.close();
      expect(mine().map((e) => e.body.statusCode).sort()).toEqual([0, 0, 1]);
      expect(new Set(mine().map((e) => e.body.activationId)).size).toBe(3);
      expect(mine().every((e) => e.eventType === 'Activation' && e.source === 'invoker0')).toBe(true);
    } finally {
      await bus.close();
    }
  });

  it('keeps the figures off the API port', async () => {
    expect((await fetch(`${platform!.apihost}/metrics`)).status).toBe(404);
  });
});

describe('metrics of standalone: controller and invoker on one listener', () => {
  let platform: StandalonePlatform | undefined;
  let metricsUrl = '';

  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    platform = await startStandalonePlatform({ prefix: `e2e-metrics-sa-${process.pid}`, containers: 'process', env: { WISP_METRICS_PORT: String(port) } });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('serves the Prometheus text format with both services’ figures', async () => {
    await deployAndInvoke(platform!.apihost, 'counted', 2);
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('wisp_activations_total{namespace="guest",action="counted",status="success",service="standalone"} 2');
    expect(text).toMatch(/wisp_http_requests_total\{method="PUT",route="\/api\/v1\/namespaces\/:namespace\/actions\/:name",status="200",service="standalone"\} 1/);
    expect(text).toMatch(/wisp_container_pool_containers\{invoker="invoker0",state="idle",service="standalone"\} \d/);
    expect(platform!.process.output()).toContain(`metrics:    ${metricsUrl}`);
  });
});
