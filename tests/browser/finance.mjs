// Browser test of the finance console: Debian's chromium driven by playwright-core against a running
// platform whose call has a funded project with its advance ready to certify. The programme officer
// certifies the advance and is refused when it tries to order it (the payments service's role check,
// announced on the page); a finance officer orders it and approves the beneficiary's corrected bank
// account; the accountant puts it in a payment batch and downloads the SEPA file (pain.001, checked
// for its CtrlSum); the bank rejects it (the reason is required), the tranche comes back to batch
// marked with its rejection, a second batch carries it, the accountant confirms it paid, and the
// budget shows the paid amount. Every page visited is checked with axe-core (WCAG 2.1 A and AA), must stay within
// 25 requests and 500 KB, and is kept as a full-page screenshot (finance-NN-name.png).
//
// Usage: node finance.mjs WEB_URL CALL_TITLE PROJECT_TITLE ADVANCE_CENTS IBAN [ARTIFACTS_DIR], IBAN being
// the beneficiary's corrected account awaiting a finance officer's approval.
// cmd/guichet/e2e/browser_finance_test.go starts the platform and prepares the project through REST.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { harness, expectText, signIn as signInAs } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (i, name, fallback) => process.argv[2 + i] || process.env[name] || fallback;
const WEB_URL = arg(0, 'WEB_URL', '').replace(/\/$/, '');
const CALL_TITLE = arg(1, 'CALL_TITLE', '');
const PROJECT_TITLE = arg(2, 'PROJECT_TITLE', '');
const ADVANCE_CENTS = Number(arg(3, 'ADVANCE_CENTS', '0'));
const IBAN = arg(4, 'IBAN', '');
const ARTIFACTS = arg(5, 'ARTIFACTS_DIR', join(here, '..', '..', 'artifacts', 'browser'));
if (!WEB_URL || !CALL_TITLE || !PROJECT_TITLE || !ADVANCE_CENTS || !IBAN) {
  console.error('usage: node finance.mjs WEB_URL CALL_TITLE PROJECT_TITLE ADVANCE_CENTS IBAN [ARTIFACTS_DIR]');
  process.exit(2);
}

const h = await harness({ artifacts: ARTIFACTS, prefix: 'finance-' });
const { session, visit } = h;

// euros formats cents as the console does: 120 000,00 € (narrow no-break space, no-break space).
function euros(cents) {
  const whole = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  return `${whole},${String(cents % 100).padStart(2, '0')}\u00a0€`;
}

// signIn signs who in and opens the call's finance page from the home page.
async function signIn(s, who) {
  const { page } = s;
  await signInAs(h, s, WEB_URL, who, who);
  await visit(s, `${who}-finance`, () => page.getByRole('link', { name: CALL_TITLE }).click());
  await expectText(page.locator('h1'), 'Finances', 'finance page');
  if ((await page.locator('svg.chart title').count()) !== 1) throw new Error('the budget has no chart');
}

const queue = (page, caption) => page.locator('table', { has: page.locator('caption', { hasText: caption }) });
const advance = `la tranche 1 de ${PROJECT_TITLE}`;

async function officer() {
  const s = await session();
  const { page } = s;
  await signIn(s, 'officer-1');
  await visit(s, 'officer-1-certified', () => page.getByRole('button', { name: `Certifier ${advance}` }).click());
  await expectText(queue(page, 'Tranches certifiées à ordonnancer'), PROJECT_TITLE, 'certified queue');
  // The programme officer may not order: the payments service refuses, the page says why.
  await visit(s, 'officer-1-order-refused', () => page.getByRole('button', { name: `Ordonnancer ${advance}` }).click(), 403);
  const alert = page.getByRole('alert');
  await expectText(alert, 'Refusé par le service des paiements', 'refusal');
  await expectText(alert, 'OrderTranche', 'refusal');
  await expectText(queue(page, 'Tranches certifiées à ordonnancer'), 'officer-1', 'nothing changed');
  await s.context.close();
}

async function finance() {
  const s = await session();
  const { page } = s;
  await signIn(s, 'finance-1');
  await expectText(page.locator('main'), 'Comptes bancaires à approuver', 'finance officer queues');
  await visit(s, 'finance-1-ordered', () => page.getByRole('button', { name: `Ordonnancer ${advance}` }).click());
  await expectText(page.locator('fieldset', { has: page.locator('legend', { hasText: 'Tranches ordonnancées à payer' }) }),
    'ordonnancée par finance-1', 'ordered');
  await expectText(page.locator('main'), IBAN, 'the corrected account awaiting approval');
  await visit(s, 'finance-1-account-approved', () => page.getByRole('button', { name: `Approuver le compte ${IBAN}` }).click());
  await expectText(page.locator('main'), "Aucun compte en attente d'approbation", 'account approved');
  await s.context.close();
}

// batchAndDownload puts the advance in a new payment batch and checks its SEPA file.
async function batchAndDownload(s, name) {
  const { page } = s;
  await page.getByLabel(new RegExp(`${PROJECT_TITLE}, tranche 1`)).check();
  await visit(s, name, () => page.getByRole('button', { name: 'Créer le lot de paiement' }).click());
  await expectText(page.locator('h1'), 'Lot de paiement', 'batch page');
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('link', { name: /Télécharger le fichier de virements SEPA/ }).click()]);
  const xml = await readFile(await download.path(), 'utf8');
  const ctrlSum = `<CtrlSum>${Math.floor(ADVANCE_CENTS / 100)}.${String(ADVANCE_CENTS % 100).padStart(2, '0')}</CtrlSum>`;
  if (!xml.startsWith('<?xml') || !xml.includes('pain.001.001.03') || !xml.includes(ctrlSum) || !xml.includes('<NbOfTxs>1</NbOfTxs>') || !xml.includes(`<IBAN>${IBAN}</IBAN>`)) {
    throw new Error(`the payment file ${download.suggestedFilename()} is not the expected pain.001 (${ctrlSum}, ${IBAN}):\n${xml.slice(0, 2000)}`);
  }
  console.log(`download ${download.suggestedFilename()}: ${xml.length} bytes, ${ctrlSum}`);
}

async function accountant() {
  const s = await session();
  const { page } = s;
  await signIn(s, 'accountant-1');
  // The bank rejects the first transfer: the reason is required, and the tranche goes back to the
  // tranches to batch, marked with its rejection.
  await batchAndDownload(s, 'accountant-1-batch');
  await page.getByLabel('Rejetée par la banque').check();
  await visit(s, 'accountant-1-rejection-without-reason', () => page.getByRole('button', { name: 'Enregistrer le retour de la banque' }).click(), 400);
  await expectText(page.locator('main'), 'Indiquez le motif du rejet', 'a rejection needs its reason');
  await page.getByLabel(/Motif du rejet/).fill('AC04 compte clôturé');
  await visit(s, 'accountant-1-rejected', () => page.getByRole('button', { name: 'Enregistrer le retour de la banque' }).click());
  await expectText(page.locator('main'), 'rejetée une fois : AC04 compte clôturé', 'the rejected tranche back to batch');
  // A second batch carries it again; this time the bank pays it.
  await batchAndDownload(s, 'accountant-1-second-batch');
  await page.getByLabel('Payée', { exact: true }).check();
  await visit(s, 'accountant-1-confirmed', () => page.getByRole('button', { name: 'Enregistrer le retour de la banque' }).click());
  const paidRow = page.locator('tr', { has: page.locator('th', { hasText: /^Payé$/ }) });
  await expectText(paidRow, euros(ADVANCE_CENTS), 'paid amount in the budget');
  await expectText(queue(page, 'Tranches payées'), 'accountant-1', 'paid queue');
  await visit(s, 'accessibility-statement', () => page.getByRole('link', { name: 'Accessibilité' }).click());
  await s.context.close();
}

await h.run(officer, finance, accountant);
