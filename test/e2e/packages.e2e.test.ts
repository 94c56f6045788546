import openwhisk from 'openwhisk';
import { GUEST_AUTH, SYSTEM_AUTH } from '../../common/entities/credentials';
import { startDistributedPlatform, startStandalonePlatform, type DistributedPlatform, type StandalonePlatform } from '../harness/platforms';

// Packages through the `openwhisk` npm client, as a user's program drives them: packages with
// parameters, actions inside them that really run with package < binding < action < payload
// parameters, bindings (own and to another namespace's public package), the bootstrapped
// /whisk.system/utils actions, the refusals (400, 401, 403, 404, 405, 409), and delete with
// force. On the standalone process and on distributed processes, where two controllers share
// the work and one must see the other's package updates at once.

jest.setTimeout(180_000);

interface OwError {
  readonly statusCode?: number;
  readonly error?: { error?: string };
}

interface Activation {
  readonly activationId: string;
  readonly namespace: string;
  readonly annotations?: Array<{ key: string; value: unknown }>;
  readonly response?: { status: string; result?: unknown };
}

interface PlatformUnderTest {
  /** Every controller's URL; the first is the one most calls go to. */
  readonly apihosts: readonly string[];
}

const GREET = `function main(p) { return { msg: p.greeting + ', ' + (p.name || 'nobody') + p.punct, keys: Object.keys(p).sort() }; }`;
const refusal = (work: Promise<unknown>) => work.then(() => ({ statusCode: 0 }) as OwError, (err: OwError) => err);
const annotation = (a: Activation, key: string) => a.annotations?.find((x) => x.key === key)?.value;

function describePackages(platform: () => PlatformUnderTest): void {
  const u = `e2e${Date.now().toString(36)}`;
  const ow = (auth = GUEST_AUTH, at = 0) => openwhisk({ apihost: platform().apihosts[at]!, api_key: auth });
  const raw = (method: string, path: string, body?: unknown, auth = GUEST_AUTH) =>
    fetch(`${platform().apihosts[0]}/api/v1${path}`, {
      method,
      headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'Content-Type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('creates a package with parameters and an action inside that runs with them merged', async () => {
    const guest = ow();
    const pkg = await guest.packages.create({ name: `${u}-pkg`, package: { parameters: [{ key: 'greeting', value: 'Hello' }, { key: 'punct', value: '.' }] } });
    expect(pkg).toMatchObject({ namespace: 'guest', name: `${u}-pkg`, version: '0.0.1', binding: {}, publish: false });
    const act = await guest.actions.create({ name: `${u}-pkg/greet`, action: GREET, kind: 'nodejs:20', params: { punct: '!' } });
    expect(act).toMatchObject({ namespace: `guest/${u}-pkg`, name: 'greet' });

    const result = await guest.actions.invoke({ name: `${u}-pkg/greet`, blocking: true, result: true, params: { name: 'Wisp' } });
    expect(result).toEqual({ msg: 'Hello, Wisp!', keys: ['greeting', 'name', 'punct'] });
    const activation = (await guest.actions.invoke({ name: `${u}-pkg/greet`, blocking: true })) as Activation;
    expect(activation).toMatchObject({ namespace: 'guest', response: { status: 'success' } });
    expect(annotation(activation, 'path')).toBe(`guest/${u}-pkg/greet`);

    const got = await guest.packages.get({ name: `${u}-pkg` });
    expect((got.actions ?? []).map((a) => a.name)).toEqual(['greet']);
    expect((await guest.actions.get({ name: `${u}-pkg/greet` })).parameters).toEqual([
      { key: 'greeting', value: 'Hello' },
      { key: 'punct', value: '!' },
    ]);
    const listed = (await (await raw('GET', `/namespaces/_/actions/${u}-pkg/`)).json()) as Array<{ name: string; namespace: string }>;
    expect(listed).toEqual([expect.objectContaining({ name: 'greet', namespace: `guest/${u}-pkg` })]);
    const all = (await guest.actions.list({ limit: 200 })) as Array<{ name: string; namespace: string }>;
    expect(all.some((a) => a.name === 'greet' && a.namespace === `guest/${u}-pkg`)).toBe(true);
  });

  it('runs an action through a binding with the binding parameters over the package ones, and annotates the activation', async () => {
    const guest = ow();
    const binding = await guest.packages.create({ name: `${u}-bnd`, package: { binding: { namespace: '_', name: `${u}-pkg` }, parameters: [{ key: 'greeting', value: 'Howdy' }] } });
    expect(binding).toMatchObject({ binding: { namespace: 'guest', name: `${u}-pkg` } });
    const activation = (await guest.actions.invoke({ name: `${u}-bnd/greet`, blocking: true, params: { name: 'B' } })) as Activation;
    expect(activation.response?.result).toEqual({ msg: 'Howdy, B!', keys: ['greeting', 'name', 'punct'] });
    expect(annotation(activation, 'binding')).toBe(`guest/${u}-bnd`);
    expect(annotation(activation, 'path')).toBe(`guest/${u}-pkg/greet`);
    expect((await guest.packages.get({ name: `${u}-bnd` })).parameters).toEqual([
      { key: 'greeting', value: 'Howdy' },
      { key: 'punct', value: '.' },
    ]);
  });

  it('sees a package update at once, on every controller', async () => {
    const guest = ow();
    const updated = await guest.packages.update({ name: `${u}-pkg`, package: { parameters: [{ key: 'greeting', value: 'Hi' }, { key: 'punct', value: '?' }] } });
    expect(updated.version).toBe('0.0.2');
    for (const [at] of platform().apihosts.entries()) {
      expect(await ow(GUEST_AUTH, at).actions.invoke({ name: `${u}-pkg/greet`, blocking: true, result: true, params: { name: `c${at}` } })).toMatchObject({ msg: `Hi, c${at}!` });
    }
    // Updated on the last controller, read on the first: the first's cache was invalidated.
    const last = platform().apihosts.length - 1;
    await ow(GUEST_AUTH, last).packages.update({ name: `${u}-pkg`, package: { parameters: [{ key: 'greeting', value: 'Hey' }, { key: 'punct', value: '.' }] } });
    expect(await ow(GUEST_AUTH, 0).actions.invoke({ name: `${u}-pkg/greet`, blocking: true, result: true, params: { name: 'again' } })).toMatchObject({ msg: 'Hey, again!' });
  });

  it('runs the bootstrapped /whisk.system/utils actions as the caller', async () => {
    const guest = ow();
    const echo = (await guest.actions.invoke({ name: '/whisk.system/utils/echo', blocking: true, params: { payload: 'Five fuzzy felines', n: 3 } })) as Activation;
    expect(echo.response?.result).toEqual({ payload: 'Five fuzzy felines', n: 3 });
    expect(echo.namespace).toBe('guest');
    expect((await guest.activations.get({ name: echo.activationId })).namespace).toBe('guest');

    const run = (name: string, params: Record<string, unknown>) => guest.actions.invoke({ name: `/whisk.system/utils/${name}`, blocking: true, result: true, params });
    expect(await run('cat', { lines: ['a', 'b', 3] })).toEqual({ lines: ['a', 'b', 3], payload: 'a\nb\n3' });
    expect(await run('sort', { lines: ['pear', 'apple', 'fig'] })).toEqual({ lines: ['apple', 'fig', 'pear'], length: 3 });
    expect(await run('head', { lines: ['x', 'y', 'z'], num: 2 })).toEqual({ lines: ['x', 'y'], num: 2 });
    expect(await run('head', { lines: ['x', 'y', 'z'] })).toEqual({ lines: ['x'], num: 1 });
    expect(await run('split', { payload: 'one,two,three', separator: ',' })).toEqual({ lines: ['one', 'two', 'three'], payload: 'one,two,three' });
    expect(await run('split', { payload: 'l1\nl2' })).toEqual({ lines: ['l1', 'l2'], payload: 'l1\nl2' });
    const { date } = (await run('date', {})) as { date: string };
    expect(Math.abs(Date.parse(date) - Date.now())).toBeLessThan(60_000);

    const utils = await guest.packages.get({ name: 'utils', namespace: 'whisk.system' });
    expect(utils).toMatchObject({ namespace: 'whisk.system', publish: true });
    expect((utils.actions ?? []).map((a) => a.name).sort()).toEqual(['cat', 'date', 'echo', 'head', 'sort', 'split']);
  });

  it("binds to whisk.system/utils and runs its actions with the binding's parameters", async () => {
    const guest = ow();
    await guest.packages.create({ name: `${u}-utils`, package: { binding: { namespace: 'whisk.system', name: 'utils' }, parameters: [{ key: 'lines', value: ['zeta', 'alpha'] }] } });
    const activation = (await guest.actions.invoke({ name: `${u}-utils/sort`, blocking: true })) as Activation;
    expect(activation.response?.result).toEqual({ lines: ['alpha', 'zeta'], length: 2 });
    expect(annotation(activation, 'binding')).toBe(`guest/${u}-utils`);
    expect(annotation(activation, 'path')).toBe('whisk.system/utils/sort');
  });

  it("shows another namespace's public packages only, and refuses its private ones with 403", async () => {
    const system = ow(SYSTEM_AUTH);
    await system.packages.create({ name: `${u}-private`, package: {} });
    await system.actions.create({ name: `${u}-private/secret`, action: GREET, kind: 'nodejs:20' });
    const seen = (await ow().packages.list({ namespace: 'whisk.system', limit: 200 })) as Array<{ name: string }>;
    expect(seen.map((p) => p.name)).toContain('utils');
    expect(seen.map((p) => p.name)).not.toContain(`${u}-private`);
    const denied = `The supplied authentication is not authorized to access 'whisk.system/${u}-private'.`;
    expect(await refusal(ow().packages.get({ name: `${u}-private`, namespace: 'whisk.system' }))).toMatchObject({ statusCode: 403, error: { error: denied } });
    expect(await refusal(ow().actions.invoke({ name: `/whisk.system/${u}-private/secret`, blocking: true }))).toMatchObject({ statusCode: 403, error: { error: denied } });
    expect(await refusal(ow().packages.create({ name: `${u}-steal`, package: { binding: { namespace: 'whisk.system', name: `${u}-private` } } }))).toMatchObject({ statusCode: 403, error: { error: denied } });
    expect(await refusal(ow().actions.create({ name: `/whisk.system/utils/${u}-mine`, action: GREET }))).toMatchObject({ statusCode: 403 });
  });

  it('answers the OpenWhisk errors for packages', async () => {
    const guest = ow();
    expect(await refusal(guest.packages.create({ name: `${u}-pkg`, package: {} }))).toMatchObject({ statusCode: 409, error: { error: 'resource already exists' } });
    expect(await refusal(guest.packages.get({ name: `${u}-nothing` }))).toMatchObject({ statusCode: 404, error: { error: 'The requested resource does not exist.' } });
    expect(await refusal(guest.packages.create({ name: `${u}-dangling`, package: { binding: { namespace: '_', name: `${u}-nothing` } } }))).toMatchObject({
      statusCode: 400,
      error: { error: 'Binding references a package that does not exist.' },
    });
    expect(await refusal(guest.packages.create({ name: `${u}-chain`, package: { binding: { namespace: '_', name: `${u}-bnd` } } }))).toMatchObject({
      statusCode: 400,
      error: { error: 'Cannot bind to another package binding.' },
    });
    expect(await refusal(guest.actions.create({ name: `${u}-bnd/extra`, action: GREET }))).toMatchObject({ statusCode: 400, error: { error: 'Operation not permitted on package binding.' } });
    expect(await refusal(guest.actions.create({ name: `${u}-nothing/extra`, action: GREET }))).toMatchObject({ statusCode: 404 });
    expect(await refusal(guest.packages.create({ name: 'default', package: {} }))).toMatchObject({ statusCode: 400, error: { error: "Package name 'default' is reserved." } });
    expect(await refusal(ow('23bc46b1-71f6-4ed5-8c54-816aa4f8c502:wrong').packages.list())).toMatchObject({ statusCode: 401 });
    const post = await raw('POST', `/namespaces/_/packages/${u}-pkg`, {});
    expect(post.status).toBe(405);
    expect(((await post.json()) as { error: string }).error).toBe('HTTP method not allowed, supported methods: GET, PUT, DELETE');
  });

  it('refuses to delete a package with actions, unless forced', async () => {
    const guest = ow();
    expect(await refusal(guest.packages.delete({ name: `${u}-pkg` }))).toMatchObject({
      statusCode: 409,
      error: { error: 'Package not empty (contains 1 entity). Set force param or delete package contents.' },
    });
    // Bindings go without asking.
    await guest.packages.delete({ name: `${u}-bnd` });
    const forced = await raw('DELETE', `/namespaces/_/packages/${u}-pkg?force=true`);
    expect(forced.status).toBe(200);
    expect(await refusal(guest.actions.get({ name: `${u}-pkg/greet` }))).toMatchObject({ statusCode: 404 });
    expect(await refusal(guest.actions.invoke({ name: `${u}-pkg/greet`, blocking: true }))).toMatchObject({ statusCode: 404 });
    const names = ((await guest.packages.list({ limit: 200 })) as Array<{ name: string }>).map((p) => p.name);
    expect(names).not.toContain(`${u}-pkg`);
    expect(names).toContain(`${u}-utils`);
  });
}

describe('packages on the standalone platform', () => {
  let platform: StandalonePlatform | undefined;

  beforeAll(async () => {
    platform = await startStandalonePlatform({ name: 'standalone', prefix: `e2e-pkg-sa-${process.pid}`, containers: 'process' });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describePackages(() => ({ apihosts: [platform!.apihost] }));
});

describe('packages on the distributed platform (two controllers, Redis, Kafka, NATS, Docker)', () => {
  let platform: DistributedPlatform | undefined;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix: `e2e-pkg-${process.pid}-${Date.now().toString(36)}`.slice(0, 31), controllers: 2 });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describePackages(() => ({ apihosts: platform!.apihosts }));
});
