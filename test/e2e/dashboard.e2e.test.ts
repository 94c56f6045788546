import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import openwhisk from 'openwhisk';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { startStandalonePlatform, type StandalonePlatform } from '../harness/platforms';

// The dashboard (ADR 0027) in a real browser: Debian's chromium, which deploy/stack.sh installs,
// driven by puppeteer-core against the built standalone platform. A person's path through it:
// sign in with the guest key, see the entities made beforehand, invoke an action from the page,
// watch its activation arrive, open its logs; and a bad key sent back to the sign-in. Each view
// is saved as a PNG under test/e2e/screenshots/ (gitignored) for a person to look at.

jest.setTimeout(120_000);

const SCREENSHOTS = join(__dirname, 'screenshots');
const ACTION = 'dash-hello';
const BAD_KEY = `${GUEST_AUTH.split(':')[0]}:${'x'.repeat(64)}`;
/** Markup in a parameter and in the logs: the page must show it as text, never build elements from it. */
const HOSTILE = '<img src=x id=injected onerror=alert(1)>';

let platform: StandalonePlatform | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed: run `bash deploy/stack.sh up`, which installs it');
  }
}

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
const visible = (selector: string) => page.waitForSelector(selector, { visible: true, timeout: 30_000 });
const textOf = (selector: string) => page.$eval(selector, (node) => node.textContent ?? '');
/** Waits until the element's text matches (the page fills it in as answers come). */
const textIn = (selector: string, pattern: RegExp) =>
  page.waitForFunction(`new RegExp(${JSON.stringify(pattern.source)}).test(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`, { timeout: 30_000 });
/** Everything in the origin's web storage, which any page of the origin (a web action's HTML too) can read. */
const webStorage = () => page.evaluate('JSON.stringify({ ...sessionStorage, ...localStorage })') as Promise<string>;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const executablePath = chromiumPath();
  platform = await startStandalonePlatform({ name: 'standalone-dashboard', prefix: `e2e-dash-${process.pid}`, containers: 'process' });
  const ow = openwhisk({ apihost: platform.apihost, api_key: GUEST_AUTH });
  await ow.actions.create({ name: ACTION, action: "function main(params) { console.log('hello ' + params.name); return { greeting: 'hello ' + params.name }; }", kind: 'nodejs:20' } as never);
  await ow.triggers.create({ name: 'dash-tick' });
  await ow.rules.create({ name: 'dash-rule', trigger: 'dash-tick', action: ACTION });
  browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage'] });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (message) => {
    // A CSP violation or a script error shows up here; a refused key's 401 is expected.
    if (message.type() === 'error' && !/401/.test(message.text())) pageErrors.push(message.text());
  });
  page.on('dialog', (dialog) => {
    pageErrors.push(`dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('the dashboard in chromium', () => {
  it('serves the page under a strict CSP and asks for a key', async () => {
    const answer = await page.goto(`${platform!.apihost}/dashboard`, { waitUntil: 'load' });
    expect(answer?.status()).toBe(200);
    expect(answer?.url()).toBe(`${platform!.apihost}/dashboard/`);
    expect(answer?.headers()['content-security-policy']).toMatch(/^default-src 'self';/);
    await visible('#signin-form');
    expect(await page.$eval('#dashboard', (node) => (node as unknown as { hidden: boolean }).hidden)).toBe(true);
    await shot('1-signin');
  });

  it('signs in with the guest key and shows actions, triggers, rules and invokers', async () => {
    await page.type('#key', GUEST_AUTH);
    await page.click('#signin-button');
    await visible(`#actions tbody tr[data-action="${ACTION}"]`);
    expect(await textOf('#namespace')).toBe('guest');
    await textIn('#triggers tbody', /dash-tick/);
    await textIn('#rules tbody', /dash-rule/);
    expect(await textOf('#rules tbody')).toContain(ACTION);
    await visible('#invokers tbody td.state-up');
    // The pool's containers by state, from the invoker's heartbeat: a stem cell waits (prewarmed), or the action's container.
    await page.waitForFunction(
      `[...document.querySelectorAll('#invokers tbody tr td')].slice(4).some((td) => /^[1-9]\\d*$/.test(td.textContent ?? ''))`,
      { timeout: 30_000 },
    );
    // The key is in the page's memory only: not in web storage, which a web action's page of the same origin could read, nor in the document.
    expect(await webStorage()).not.toContain(GUEST_AUTH.split(':')[1]);
    expect(await page.content()).not.toContain(GUEST_AUTH.split(':')[1]);
    await shot('2-dashboard');
  });

  let activationId = '';

  it('invokes the action from the page and shows its activation as it arrives, in the chart too', async () => {
    await page.$eval('#params', (node, value) => ((node as unknown as { value: string }).value = JSON.stringify({ name: value })), HOSTILE);
    await page.click(`button[data-action="${ACTION}"]`);
    await textIn('#invoke-state', /activation [0-9a-f]{32}/);
    activationId = /activation ([0-9a-f]{32})/.exec(await textOf('#invoke-state'))![1]!;
    // Polling brings it in with no reload: its row, its outcome, its start kind.
    const row = `#activations tbody tr[data-id="${activationId}"]`;
    await page.waitForSelector(`${row} td.status-success`, { timeout: 60_000 });
    const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent ?? ''));
    expect(cells[1]).toBe(ACTION);
    expect(cells[4]).toMatch(/^\d+ ms$/);
    expect(['cold', 'prewarmed', 'warm']).toContain(cells[5]);
    expect(await page.$$eval('#chart svg rect.bar', (bars) => bars.length)).toBeGreaterThan(0);
    expect(await page.$$eval('#chart svg polyline.line', (lines) => lines.length)).toBe(1);
    await shot('3-invoked');
  });

  it("opens the activation's logs and result, with markup shown as text", async () => {
    await page.click(`#activations tbody tr[data-id="${activationId}"]`);
    await visible('#logs');
    expect(await textOf('#logs-id')).toBe(activationId);
    expect(await textOf('#logs-lines')).toContain(`hello ${HOSTILE}`);
    expect(JSON.parse(await textOf('#logs-result'))).toEqual({ greeting: `hello ${HOSTILE}` });
    expect(await page.$('#injected')).toBeNull();
    await shot('4-logs');
  });

  it('sends a refused key back to the sign-in, and forgets it', async () => {
    await page.click('#signout');
    await visible('#signin-form');
    // Nothing of the namespace stays in the page after signing out.
    expect(await page.$$('#activations tbody tr')).toHaveLength(0);
    expect(await textOf('#logs-lines')).toBe('');
    await page.type('#key', BAD_KEY);
    await page.click('#signin-button');
    await textIn('#signin-error', /refused/);
    expect(await page.$eval('#dashboard', (node) => (node as unknown as { hidden: boolean }).hidden)).toBe(true);
    await shot('5-refused');
    // Nothing was kept: a reload asks for a key again.
    await page.reload({ waitUntil: 'load' });
    await visible('#signin-form');
    expect(await webStorage()).toBe('{}');
  });

  it('signs out when a poll is refused mid-session (a key revoked while the page is open)', async () => {
    await page.type('#key', GUEST_AUTH);
    await page.click('#signin-button');
    await visible(`#actions tbody tr[data-action="${ACTION}"]`);
    expect(await textOf('#signin-error')).toBe('');
    // From now on the API refuses the key, as it does once the key is revoked: the next poll gets a 401.
    await page.setRequestInterception(true);
    const refuse = (request: HTTPRequest) => {
      if (request.isInterceptResolutionHandled()) return;
      if (request.url().includes('/api/v1/')) void request.respond({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: 'The supplied authentication is invalid', code: 'x' }) });
      else void request.continue();
    };
    page.on('request', refuse);
    try {
      await textIn('#signin-error', /refused/);
      expect(await page.$eval('#dashboard', (node) => (node as unknown as { hidden: boolean }).hidden)).toBe(true);
    } finally {
      page.off('request', refuse);
      await page.setRequestInterception(false);
    }
  });

  it('ran without script errors, CSP violations or dialogs', () => {
    expect(pageErrors).toEqual([]);
  });
});
