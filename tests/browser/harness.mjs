// What the browser tests of the consoles share: Debian's chromium driven by playwright-core, pages
// checked with axe-core under their real Content-Security-Policy, the page budgets, screenshots and
// the final report. run.mjs (jury) and finance.mjs (finance) use it.
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

// Budgets of every page (issue 4): requests, transferred bytes; axe-core's WCAG 2.1 A/AA rules.
export const MAX_REQUESTS = 25;
export const MAX_BYTES = 500 * 1024;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// harness launches the browser; screenshots go to artifacts as <prefix>NN-name.png.
export async function harness({ artifacts, prefix = '', chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium' }) {
  await mkdir(artifacts, { recursive: true });
  const failures = [];
  const summary = [];
  let pageNumber = 0;

  function fail(message) {
    failures.push(message);
    console.error('FAIL ' + message);
  }

  // The console's CSP forbids every script: axe-core goes in through the DevTools protocol
  // (page.evaluate), which CSP does not govern, so the pages are tested under their real policy.
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  // session opens a fresh browser context (its own cookies) with the page meters attached.
  async function session() {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', acceptDownloads: true });
    return attach(context, await context.newPage());
  }

  // attach puts the page meters on page (another tab of a session's context).
  function attach(context, page) {
    const meter = { requests: 0, sizes: [], errors: [] };
    page.on('request', () => { meter.requests++; });
    page.on('requestfinished', (req) => {
      meter.sizes.push(req.sizes().then((s) => s.responseBodySize + s.responseHeadersSize, () => 0));
    });
    page.on('requestfailed', (req) => {
      // A live event stream (EventSource) is aborted when its page is left: not a failure.
      if (req.resourceType() === 'eventsource' && req.failure()?.errorText === 'net::ERR_ABORTED') return;
      meter.errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
    });
    // A CSP violation or a broken resource shows in the console as an error.
    page.on('console', (msg) => { if (msg.type() === 'error') meter.errors.push('console: ' + msg.text()); });
    page.on('pageerror', (err) => meter.errors.push('page error: ' + err.message));
    return { context, page, meter };
  }

  // visit runs action (which loads a page) and checks the page it ends on. expectStatus is the
  // HTTP status of a page that shows a refusal on purpose: chromium logs that status as a console
  // error, the one error then allowed.
  async function visit(s, name, action, expectStatus = 0) {
    const { page, meter } = s;
    meter.requests = 0;
    meter.sizes = [];
    meter.errors = [];
    await action();
    await page.waitForLoadState('load');
    const bytes = (await Promise.all(meter.sizes)).reduce((a, b) => a + b, 0);
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async (tags) => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
    }, AXE_TAGS);
    pageNumber++;
    const file = join(artifacts, `${prefix}${String(pageNumber).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const kb = bytes / 1024;
    summary.push({ name, url: page.url(), violations: violations.length, requests: meter.requests, kb, file });
    console.log(`page ${name}: ${violations.length} violations, ${meter.requests} requests, ${kb.toFixed(1)} KB (${page.url()})`);
    for (const v of violations) fail(`${name}: axe ${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`);
    if (meter.requests > MAX_REQUESTS) fail(`${name}: ${meter.requests} requests, more than ${MAX_REQUESTS}`);
    if (bytes > MAX_BYTES) fail(`${name}: ${kb.toFixed(1)} KB transferred, more than ${MAX_BYTES / 1024} KB`);
    const allowed = expectStatus ? `the server responded with a status of ${expectStatus}` : null;
    for (const e of meter.errors) if (!allowed || !e.includes(allowed)) fail(`${name}: ${e}`);
  }

  // run runs the flows in order, closes the browser, prints the per-page table and exits non-zero
  // on any failure.
  async function run(...flows) {
    let crashed = null;
    try {
      for (const flow of flows) await flow();
    } catch (err) {
      crashed = err;
      fail('flow: ' + (err?.stack || err));
    } finally {
      await browser.close();
    }
    console.log('\npage                                   violations  requests        KB');
    for (const p of summary) {
      console.log(`${p.name.padEnd(38)} ${String(p.violations).padStart(10)} ${String(p.requests).padStart(9)} ${p.kb.toFixed(1).padStart(9)}`);
    }
    console.log(`screenshots: ${artifacts}`);
    if (failures.length > 0) {
      console.error(`\n${failures.length} failure(s)${crashed ? ' (the flow stopped early)' : ''}`);
      process.exit(1);
    }
    console.log(`\nOK: ${summary.length} pages`);
  }

  return { session, attach, visit, run, fail };
}

// expectText fails the flow when locator does not show text (the flow went astray).
export async function expectText(locator, text, what) {
  const body = await locator.innerText();
  if (!body.includes(text)) throw new Error(`${what}: "${text}" is not shown:\n${body}`);
}

// signIn goes from the console's home page through the development issuer as who.
export async function signIn({ visit }, s, webURL, who, prefix) {
  const { page } = s;
  await visit(s, `${prefix}-signin`, () => page.goto(webURL + '/'));
  await expectText(page.locator('body'), 'Console du jury', 'sign-in page');
  await visit(s, `${prefix}-dev-issuer`, () => page.getByRole('link', { name: 'Se connecter' }).click());
  await page.locator(`input[type=radio][value="${who}"]`).check();
  await visit(s, `${prefix}-home`, () => page.getByRole('button', { name: 'Se connecter' }).click());
  await expectText(page.locator('body'), `Connecté·e : ${who}`, 'signed in');
}
