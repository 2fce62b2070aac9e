// The operator console in a real browser: real API, real worker with the product's workflows, real
// dev server, and the vendor emulator over signed HTTP. An operator starts a recovery from the form
// after its dry run and watches it verify live; the same person may not approve the release (four
// eyes); an approver releases it; a viewer gets no action buttons and the API refuses it anyway.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { loadEcpConfig } from '../../activities/ecp';
import { EmulatorAdmin } from '../../emulator/admin-client';
import { DEMO_BACKUP_1, DEMO_BACKUP_2, DEMO_STOPPED_TARGET, DEMO_TARGETS } from '../../emulator/demo-seed';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type RunningEmulator } from '../../emulator/server';
import { createWorker } from '../../worker';
import { connectTestTemporal, productWorkflowBundle, terminateLeaseRegistries, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { launchChromium, person, startConsoleApi, type Person } from './console-harness';

jest.setTimeout(180_000);

const LIMITS = { maxAttemptsPerInstance: 3, taskTimeoutMs: 10_000, pollIntervalMinMs: 50, pollIntervalMaxMs: 200, busyWaitMs: 0, approvalTimeoutMs: 120_000 };

// The README's pictures are refreshed on purpose (CPR_UPDATE_SCREENSHOTS=1 npx jest test/console); an
// ordinary run writes them under .data/ so `npm test` leaves the work tree clean.
const SCREENSHOTS =
  process.env.CPR_UPDATE_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', 'screenshots') : join(__dirname, '..', '..', '.data', 'screenshots');
const olga = person('olga', ['operator', 'approver']); // may start and approve, but not her own run
const arne = person('arne', ['approver']);
const vera = person('vera', ['viewer']);

let temporal: TestTemporal;
let emulator: RunningEmulator;
let browser: Browser;
const leasePrefix = uniqueId('console-lease');

beforeAll(async () => {
  browser = await launchChromium();
  temporal = await connectTestTemporal();
  emulator = await startEmulator({ seed: 'demo', config: { timeScale: 0.01, qpsPerAction: 0 } });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (temporal) {
    await terminateLeaseRegistries(temporal.client, leasePrefix);
  }
  await emulator?.close();
  await temporal?.close();
});

async function signIn(page: Page, url: string, who: Person): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.getByLabel('API token').fill(who.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').filter({ hasText: who.name }).waitFor();
}

/**
 * Waits for an element of a page just opened. Twice in CI (not reproduced since) a recovery page showed
 * neither its approve button (for the approver) nor its status (for a viewer) within 30 s; if it is
 * missing after 20 s the page is read for the failure message and loaded once more, as an operator would.
 */
async function waitOnPage(page: Page, locator: Locator, what: string): Promise<void> {
  try {
    await locator.waitFor({ timeout: 20_000 });
  } catch {
    const seen = (await page.locator('main').innerText().catch(() => '(no main)')).slice(0, 2000);
    process.stderr.write(`console test: no ${what} after 20 s at ${page.url()}; the page showed:\n${seen}\n`);
    await page.reload();
    await locator.waitFor({ timeout: 30_000 });
  }
}

function approveButton(page: Page): { click(): Promise<void> } {
  const button = page.getByRole('button', { name: 'Approve release' });
  return {
    async click() {
      await waitOnPage(page, button, "'Approve release' button");
      await button.click();
    },
  };
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API token').waitFor();
}

it('starts a recovery after its dry run, follows it live, and releases the backup only with a second person', async () => {
  const taskQueue = uniqueTaskQueue('console');
  const ecp = loadEcpConfig({ CPR_ECP_ENDPOINT: emulator.endpoint, CPR_ECP_PROTOCOL: 'http' }, { credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET } });
  const worker = await createWorker({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    ecp,
    workflowBundle: await productWorkflowBundle(),
    leases: { registryIdPrefix: leasePrefix },
    vendorQps: 1000,
    shutdownGraceTime: 0,
  });
  const api = await startConsoleApi(temporal.client, taskQueue, [olga, arne, vera]);
  const admin = new EmulatorAdmin(emulator.url);
  const targets = DEMO_TARGETS.slice(0, 2);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const requested: string[] = [];
  page.on('request', (r) => {
    requested.push(r.url());
    if (!r.url().startsWith(api.url)) pageErrors.push(`request outside the API origin: ${r.url()}`);
  });
  try {
    await worker.runUntil(async () => {
      // Operator: the form's dry run shows each target's verdict before anything can start.
      await signIn(page, api.url, olga);
      await page.getByRole('link', { name: 'Start' }).click();
      await page.getByLabel('Backup file ID').fill(DEMO_BACKUP_1);
      await page.getByLabel(/Instance IDs/).fill([...targets, DEMO_STOPPED_TARGET].join('\n'));
      await page.getByLabel('Release the backup').selectOption('on-approval');
      await page.getByLabel(/Approver must be someone other than me/).check();
      await page.getByRole('button', { name: 'Check (dry run)' }).click();
      await page.getByTestId('dry-run-counts').filter({ hasText: '2 of 3 targets ready, 1 blocked' }).waitFor();
      await page.getByTestId('verdicts').getByRole('row', { name: new RegExp(DEMO_STOPPED_TARGET) }).filter({ hasText: 'InstanceNotRunning' }).waitFor();
      expect((await admin.allCalls(0)).filter((c) => ['RecoverApp', 'BackupApp', 'DeleteBackupFile'].includes(c.action))).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, 'start-dry-run.png'), fullPage: true });

      // A blocked target would keep the backup (not every target verified): drop it and check again.
      await page.getByLabel(/Instance IDs/).fill(targets.join('\n'));
      await expect(page.getByTestId('verdicts').count()).resolves.toBe(0); // editing discards the old verdicts
      await page.getByRole('button', { name: 'Check (dry run)' }).click();
      await page.getByTestId('dry-run-counts').filter({ hasText: '2 of 2 targets ready, 0 blocked' }).waitFor();
      await page.getByRole('button', { name: /Confirm and start/ }).click();
      await page.waitForURL(/#\/recoveries\//);
      const id = decodeURIComponent(new URL(page.url()).hash.replace('#/recoveries/', ''));

      // Live: the page follows the SSE stream until every ready target verified and approval is awaited.
      await page.getByTestId('awaiting-approval').waitFor({ timeout: 90_000 });
      await page.locator('dd[data-count="verified"]').filter({ hasText: '2' }).waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'recovery-awaiting-approval.png') });
      // Followed over the event stream, not by polling: one read of the run, one stream.
      const runPath = `${api.url}/v1/recoveries/${encodeURIComponent(id)}`;
      expect(requested.filter((u) => u === runPath)).toHaveLength(1);
      expect(requested.filter((u) => u.startsWith(`${runPath}/events`))).toHaveLength(1);

      // Four eyes: olga holds the approver role but requested the run; the workflow refuses her.
      // (By keyboard: the button and the dialog work with Enter and Escape.)
      await page.getByRole('button', { name: 'Approve release' }).press('Enter');
      await page.getByRole('button', { name: 'Confirm approve release' }).press('Enter');
      await page.getByRole('alert').filter({ hasText: 'four-eyes' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      expect((await admin.allCalls(0, 'DeleteBackupFile')).length).toBe(0);

      // A migration, paused right after its start: the window is changed and the migration resumed from
      // its page, each after a confirmation; its child is one click away.
      const plan = { items: [{ backupFileId: DEMO_BACKUP_2, instanceIds: DEMO_TARGETS.slice(2, 4) }], options: { itemsPerChild: 1, maxConcurrentChildren: 1, releaseBackup: 'never', onBusyInstance: 'fail', limits: LIMITS } };
      const asOlga = { authorization: `Bearer ${olga.token}`, 'content-type': 'application/json' };
      const migration = (await (await fetch(`${api.url}/v1/migrations`, { method: 'POST', headers: asOlga, body: JSON.stringify(plan) })).json()) as { migrationId: string };
      expect((await fetch(`${api.url}/v1/migrations/${migration.migrationId}/pause`, { method: 'POST', headers: asOlga, body: '{}' })).status).toBe(200);
      await page.goto(`${api.url}/console/#/migrations/${encodeURIComponent(migration.migrationId)}`);
      await page.getByRole('button', { name: 'Change window' }).click();
      await page.getByRole('spinbutton', { name: 'Children at a time' }).fill('2');
      await page.getByRole('button', { name: 'Confirm change window' }).click();
      await page.getByTestId('window').filter({ hasText: '2' }).waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'migration.png'), fullPage: true });
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.getByRole('button', { name: 'Confirm resume' }).click();
      await page.getByRole('button', { name: 'Pause' }).waitFor();
      await temporal.client.workflow.getHandle(migration.migrationId).result();
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.locator('dd[data-count="verified"]').filter({ hasText: '2' }).waitFor();
      await page.getByRole('link', { name: `${migration.migrationId}/0` }).click();
      await page.getByTestId('run-outcome').filter({ hasText: 'succeeded' }).waitFor();

      // An approver releases it; the page shows the release and who approved.
      await signOut(page);
      await signIn(page, api.url, arne);
      await page.goto(`${api.url}/console/#/recoveries/${encodeURIComponent(id)}`);
      await waitOnPage(page, page.getByTestId('run-status'), 'run status');
      await approveButton(page).click();
      await page.getByRole('button', { name: 'Confirm approve release' }).click();
      await page.getByTestId(`release-${DEMO_BACKUP_1}`).filter({ hasText: 'released, approved by arne' }).waitFor({ timeout: 60_000 });
      await page.getByTestId('run-outcome').waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'recovery-released.png'), fullPage: true });
      expect((await admin.allCalls(0, 'DeleteBackupFile')).filter((c) => c.outcome === 'ok')).toHaveLength(1);
      const result = await (await temporal.client.workflow.getHandle(id).result()) as { requestedBy?: string; approvedBy?: string; outcome: string };
      expect(result).toMatchObject({ requestedBy: 'olga', approvedBy: 'arne' });

      // The runs page lists it, and the migration beside it (GET /v1/migrations).
      await page.getByRole('link', { name: 'Runs' }).first().click();
      await page.getByRole('link', { name: id }).waitFor();
      await page.getByRole('cell', { name: migration.migrationId, exact: true }).getByRole('link').waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'runs.png') });

      // A viewer sees the run but no action; the API refuses the action anyway (403), by token and by session.
      await signOut(page);
      await signIn(page, api.url, vera);
      expect(await page.getByRole('link', { name: 'Start' }).count()).toBe(0);
      await page.goto(`${api.url}/console/#/recoveries/${encodeURIComponent(id)}`);
      await waitOnPage(page, page.getByTestId('run-status'), 'run status');
      expect(await page.getByRole('group', { name: 'Actions' }).getByRole('button').count()).toBe(0);
      for (const action of ['Cancel', 'Pause', 'Approve release']) expect(await page.getByRole('button', { name: action }).count()).toBe(0);
      const bySession = await page.evaluate(async (path) => {
        const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-cpr-console': '1' }, body: '{}' });
        return { status: res.status, body: (await res.json()) as { error: string; message: string } };
      }, `/v1/recoveries/${encodeURIComponent(id)}/approve`);
      expect(bySession.status).toBe(403);
      expect(bySession.body.message).toMatch(/vera .* needs the approver role/);
      const byToken = await fetch(`${api.url}/v1/recoveries`, { method: 'POST', headers: { authorization: `Bearer ${vera.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ backupFileId: DEMO_BACKUP_1, instanceIds: targets }) });
      expect(byToken.status).toBe(403);

      // Phone-sized screen: the same page, one column.
      await page.setViewportSize({ width: 390, height: 844 });
      await waitOnPage(page, page.getByTestId('run-status'), 'run status');
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390); // wide tables scroll inside their box
      await page.screenshot({ path: join(SCREENSHOTS, 'recovery-phone.png') });
    });
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
    await api.close();
  }
});
