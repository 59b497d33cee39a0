// Browser test of the jury console: Debian's chromium driven by playwright-core against a running
// platform. A reviewer signs in through the development issuer, signs the declaration of
// interests, recuses itself from one file, scores the other with the keyboard only and then sees
// the other reviewers' scores; the chair waits for the jury, records a consensus on the divergent
// file (while another tab of the call page counts it live) and ranks the call, then reads, prints
// and signs the jury minutes. Every page visited is checked with axe-core (WCAG 2.1 A and AA), must
// stay within 25 requests and 500 KB, and is kept as a full-page screenshot.
//
// Usage: node run.mjs WEB_URL REVIEWER SCORE_TITLE CONFLICT_TITLE CALL_TITLE [ARTIFACTS_DIR]
// (or the environment variables of the same names). The platform and the jury's other reviewers
// are the caller's: cmd/guichet/e2e/browser_test.go starts them and scores through REST.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { harness, expectText as expectIn, signIn as signInAs } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (i, name, fallback) => process.argv[2 + i] || process.env[name] || fallback;
const WEB_URL = arg(0, 'WEB_URL', '').replace(/\/$/, '');
const REVIEWER = arg(1, 'REVIEWER', '');
const SCORE_TITLE = arg(2, 'SCORE_TITLE', '');
const CONFLICT_TITLE = arg(3, 'CONFLICT_TITLE', '');
const CALL_TITLE = arg(4, 'CALL_TITLE', '');
const ARTIFACTS = arg(5, 'ARTIFACTS_DIR', join(here, '..', '..', 'artifacts', 'browser'));
const CHAIR = process.env.CHAIR || 'chair-1';
if (!WEB_URL || !REVIEWER || !SCORE_TITLE || !CONFLICT_TITLE || !CALL_TITLE) {
  console.error('usage: node run.mjs WEB_URL REVIEWER SCORE_TITLE CONFLICT_TITLE CALL_TITLE [ARTIFACTS_DIR]');
  process.exit(2);
}

// The score the browser's reviewer gives on every criterion, and its position in the select
// ("— choisir —", then 0, 0.5, … 5): reached with the arrow keys only.
const KEYBOARD_SCORE = '3';
const KEYBOARD_STEPS = 7;

const h = await harness({ artifacts: ARTIFACTS });
const { session, visit } = h;

// expectText fails the run when the page does not show text (the flow went astray).
const expectText = (page, text, what) => expectIn(page.locator('body'), text, what);

// signIn goes from the console's home page through the development issuer as subject.
const signIn = (s, who, prefix) => signInAs(h, s, WEB_URL, who, prefix);

// focusByTab presses key (Tab or Shift+Tab) until the element matching selector has the focus.
async function focusByTab(page, selector, key = 'Tab') {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press(key);
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
  }
  throw new Error(`${key} never reached ${selector}`);
}

async function reviewer() {
  const s = await session();
  const { page } = s;
  await signIn(s, REVIEWER, 'reviewer');
  await visit(s, 'reviewer-declaration', () => page.getByRole('link', { name: CALL_TITLE }).click());
  await expectText(page, "Déclaration d'intérêts", 'declaration form');
  await page.getByLabel("Domaines d'expertise").fill('données publiques, fiscalité');
  await page.getByLabel(/Je m'engage à déclarer/).check();
  await visit(s, 'reviewer-assignments', () => page.getByRole('button', { name: 'Signer la déclaration' }).click());
  await expectText(page, 'Mes dossiers', 'assignments');
  await expectText(page, CONFLICT_TITLE, 'assignments');

  // Déport: the file disappears from this reviewer's list.
  await visit(s, 'reviewer-conflict-form', () => page.getByRole('link', { name: CONFLICT_TITLE }).click());
  await page.getByLabel('Oui : je me déporte de ce dossier').check();
  await page.getByLabel('Motif du déport (facultatif)').fill('J’ai conseillé ce candidat l’an dernier.');
  await visit(s, 'reviewer-after-recusal', () => page.getByRole('button', { name: 'Enregistrer' }).click());
  if ((await page.locator('main').innerText()).includes(CONFLICT_TITLE)) throw new Error('the recused file is still listed');

  await visit(s, 'reviewer-no-conflict-form', () => page.getByRole('link', { name: SCORE_TITLE }).click());
  await page.getByLabel('Non, aucun conflit').check();
  await visit(s, 'reviewer-scoring-form', () => page.getByRole('button', { name: 'Enregistrer' }).click());
  await expectText(page, 'Notes par critère', 'scoring form');

  // The scoring form with the keyboard only: Tab to each select, arrow keys to the score, Tab to
  // the comment and type it, Shift+Tab back and forth, Enter on the submit button.
  const selects = await page.locator('select[id^="score-"]').evaluateAll((els) => els.map((e) => '#' + e.id));
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  for (const sel of selects) {
    await focusByTab(page, sel);
    for (let i = 0; i < KEYBOARD_STEPS; i++) await page.keyboard.press('ArrowDown');
    const value = await page.locator(sel).inputValue();
    if (value !== KEYBOARD_SCORE) throw new Error(`the arrow keys set ${sel} to "${value}", want ${KEYBOARD_SCORE}`);
  }
  await focusByTab(page, '#comment');
  await page.keyboard.type('Projet solide, mais le calendrier est optimiste.');
  await focusByTab(page, 'main button[type=submit]');
  await focusByTab(page, '#comment', 'Shift+Tab');
  await focusByTab(page, 'main button[type=submit]');
  await visit(s, 'reviewer-others-scores', () => Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]));
  await expectText(page, 'Notes de tous les évaluateurs', "others' scores");
  const rows = await page.locator('main table#reviews tbody tr').count();
  if (rows !== 3) throw new Error(`the reviewer sees ${rows} reviews after its own, want 3`);
  await expectText(page, `${REVIEWER} (vous)`, "others' scores");
  await s.context.close();
}

async function chair() {
  const s = await session();
  const { page } = s;
  await signIn(s, CHAIR, 'chair');
  // The jury finishes in the background (the replacement reviewer of the déport scores through
  // REST): the chair's call page lists every assignment, and the files still short of reviewers.
  const deadline = Date.now() + 90_000;
  for (;;) {
    await page.goto(WEB_URL + '/');
    await page.getByRole('link', { name: CALL_TITLE }).click();
    const states = await page.locator('main table tbody tr td:nth-child(3)').allInnerTexts();
    const short = await page.getByRole('heading', { name: "Dossiers en attente d'évaluateurs" }).count();
    if (states.length > 0 && short === 0 && states.every((t) => t === 'Évalué' || t === 'Déporté')) break;
    if (Date.now() > deadline) throw new Error(`the jury did not finish: ${states.join(', ')}`);
    await page.waitForTimeout(500);
  }
  await visit(s, 'chair-call', () => page.reload());
  const callURL = page.url();
  // The page's script follows the jury's event stream: its first event marks the counts live.
  await page.locator('#jury-progress[data-live-state="connected"]').waitFor({ timeout: 15_000 });
  await visit(s, 'chair-divergences', () => page.getByRole('link', { name: 'File des divergences' }).click());
  await expectText(page, SCORE_TITLE, 'divergence queue');
  await visit(s, 'chair-consensus-form', () => page.getByRole('link', { name: `Enregistrer le consensus pour ${SCORE_TITLE}` }).click());
  for (const sel of await page.locator('select[id^="score-"]').evaluateAll((els) => els.map((e) => '#' + e.id))) {
    await page.locator(sel).selectOption('3.5');
  }
  await page.getByLabel('Commentaire (obligatoire)').fill('Le jury retient une position médiane après discussion.');
  // Live progress: the call page, open in another tab, counts the consensus recorded in this one
  // without being reloaded (Redis pub/sub, then server-sent events, then the polite live region).
  const live = h.attach(s.context, await s.context.newPage());
  await visit(live, 'chair-call-live', () => live.page.goto(callURL));
  await live.page.locator('#jury-progress[data-live-state="connected"]').waitFor({ timeout: 15_000 });
  const consensusBefore = await live.page.locator('[data-live="consensus"]').innerText();
  if (consensusBefore !== '0') throw new Error(`the live page counts ${consensusBefore} consensus before any`);
  if ((await live.page.locator('#progress-label[aria-live="polite"]').count()) !== 1) throw new Error('the live counts are not a polite live region');
  await visit(s, 'chair-consensus-recorded', () => page.getByRole('button', { name: 'Enregistrer le consensus' }).click());
  await expectText(page, 'Enregistré', 'consensus recorded');
  const navigations = [];
  live.page.on('framenavigated', (f) => { if (f === live.page.mainFrame()) navigations.push(f.url()); });
  await visit(live, 'chair-call-live-updated', () => live.page.waitForFunction(
    () => document.querySelector('[data-live="consensus"]')?.textContent === '1', null, { timeout: 15_000 }));
  if (navigations.length > 0) throw new Error(`the live page was reloaded: ${navigations.join(', ')}`);
  console.log('live: the call page counted the consensus without reloading');
  await live.page.close();
  await visit(s, 'chair-call-after-consensus', () => page.getByRole('link', { name: "Retour à l'appel" }).click());
  await visit(s, 'chair-ranking-empty', () => page.getByRole('link', { name: 'Classement' }).click());
  await visit(s, 'chair-ranking', () => page.getByRole('button', { name: /le classement/ }).click());
  await expectText(page, 'Classement des dossiers', 'ranking');
  await expectText(page, `${SCORE_TITLE} (consensus)`, 'ranking');
  if ((await page.locator('svg.chart').count()) !== 1) throw new Error('the ranking has no chart');

  // The jury minutes: generated from the records, printable (no navigation on paper), signed.
  await visit(s, 'chair-minutes', () => page.getByRole('link', { name: 'Procès-verbal du jury' }).click());
  await expectText(page, 'Procès-verbal du jury — ', 'minutes');
  await expectText(page, SCORE_TITLE, 'minutes');
  await expectText(page, 'Déports', 'minutes');
  await page.emulateMedia({ media: 'print' });
  const printed = await page.locator('nav, form, header, footer').evaluateAll((els) => els.filter((e) => getComputedStyle(e).display !== 'none').length);
  if (printed !== 0) throw new Error(`${printed} navigation elements or forms are printed`);
  await page.pdf({ path: join(ARTIFACTS, 'chair-minutes.pdf'), format: 'A4' });
  await page.emulateMedia({ media: 'screen' });
  await visit(s, 'chair-minutes-signed', () => page.getByRole('button', { name: 'Signer le procès-verbal' }).click());
  await expectText(page, 'Procès-verbal signé', 'signed minutes');
  const hash = await page.locator('code.hash').innerText();
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`the signed minutes show the hash "${hash}"`);
  if ((await page.getByRole('button', { name: 'Signer le procès-verbal' }).count()) !== 0) throw new Error('the signed minutes still offer to sign');
  console.log(`minutes: signed, sha256 ${hash}`);
  await visit(s, 'accessibility-statement', () => page.getByRole('link', { name: 'Accessibilité' }).click());
  await visit(s, 'signed-out', () => page.getByRole('button', { name: 'Se déconnecter' }).click());
  await expectText(page, 'Console du jury', 'signed out');
  await s.context.close();
}

await h.run(reviewer, chair);
