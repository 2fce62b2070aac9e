// Start a recovery: backup + instances typed in, or a CSV/JSON plan uploaded. The dry run always
// comes first and shows each target's verdict; only then can the operator confirm the start.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox } from '../components';
import { recoveryHref } from '../router';
import type { DryRunResult } from '../types';

type Input = Record<string, unknown>;

export function StartPage() {
  const [backupFileId, setBackupFileId] = useState('');
  const [instances, setInstances] = useState('');
  const [plan, setPlan] = useState<{ name: string; input: Input }>();
  const [existingApp, setExistingApp] = useState('snapshot-then-overwrite');
  const [releaseBackup, setReleaseBackup] = useState('after-all-verified');
  const [distinctApprover, setDistinctApprover] = useState(false);
  const [checked, setChecked] = useState<{ input: Input; result: DryRunResult }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const input = (): Input => ({
    ...(plan ? plan.input : { backupFileId: backupFileId.trim(), instanceIds: instances.split(/[\s,;]+/).filter(Boolean) }),
    existingApp,
    releaseBackup,
    ...(distinctApprover ? { approval: { distinctApprover: true } } : {}),
  });
  const edited = (): void => setChecked(undefined);

  const dryRun = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const body = input();
      setChecked({ input: body, result: await api<DryRunResult>('POST', '/v1/recoveries/dry-run', body) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const start = async (): Promise<void> => {
    if (!checked) return;
    setBusy(true);
    setError(undefined);
    try {
      const started = await api<{ workflowId: string }>('POST', '/v1/recoveries', checked.input, { 'idempotency-key': crypto.randomUUID() });
      location.hash = recoveryHref(started.workflowId);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const upload = async (file: File | undefined): Promise<void> => {
    edited();
    setError(undefined);
    if (!file) return setPlan(undefined);
    try {
      setPlan({ name: file.name, input: parsePlan(file.name, await file.text()) });
    } catch (err) {
      setPlan(undefined);
      setError(err);
    }
  };

  return (
    <section aria-labelledby="start-title">
      <h1 id="start-title">Start a recovery</h1>
      <form class="start" onSubmit={(e) => (e.preventDefault(), void dryRun())} onInput={edited}>
        <fieldset disabled={!!plan}>
          <legend>Backup and instances</legend>
          <label>
            Backup file ID
            <input name="backupFileId" value={backupFileId} onInput={(e) => setBackupFileId(e.currentTarget.value)} placeholder="bf-…" />
          </label>
          <label>
            Instance IDs (one per line, or separated by commas)
            <textarea name="instanceIds" rows={4} value={instances} onInput={(e) => setInstances(e.currentTarget.value)} placeholder="acp-…" />
          </label>
        </fieldset>
        <label>
          …or a plan file (CSV with header backupFileId,instanceId; or JSON)
          <input type="file" name="plan" accept=".csv,.json,text/csv,application/json" onChange={(e) => void upload(e.currentTarget.files?.[0])} />
        </label>
        {plan ? <p class="note">Using plan {plan.name}.</p> : null}
        <label>
          Existing app on a target
          <select name="existingApp" value={existingApp} onChange={(e) => setExistingApp(e.currentTarget.value)}>
            <option value="snapshot-then-overwrite">snapshot, then overwrite</option>
            <option value="overwrite">overwrite</option>
            <option value="refuse">refuse (skip the target)</option>
          </select>
        </label>
        <label>
          Release the backup
          <select name="releaseBackup" value={releaseBackup} onChange={(e) => setReleaseBackup(e.currentTarget.value)}>
            <option value="after-all-verified">after every target verified</option>
            <option value="on-approval">on approval</option>
            <option value="never">never</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" name="distinctApprover" checked={distinctApprover} onChange={(e) => setDistinctApprover(e.currentTarget.checked)} />
          Approver must be someone other than me (four-eyes)
        </label>
        <div class="row">
          <button type="submit" class="primary" disabled={busy}>
            Check (dry run)
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {checked ? (
        <div class="dry-run" aria-live="polite">
          <h2>Dry run</h2>
          <p data-testid="dry-run-counts">
            {checked.result.counts.ready} of {checked.result.counts.total} targets ready, {checked.result.counts.blocked} blocked.
          </p>
          <div class="table-wrap">
            <table data-testid="verdicts">
              <thead>
                <tr>
                  <th scope="col">Instance</th>
                  <th scope="col">Backup</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Planned action</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {checked.result.targets.map((t) => (
                  <tr key={t.instanceId}>
                    <td>{t.instanceId}</td>
                    <td>{t.backupFileId}</td>
                    <td>
                      <span class={`badge ${t.ok ? 'verified' : 'failed'}`}>{t.ok ? 'ready' : 'blocked'}</span>
                    </td>
                    <td>{t.plannedAction}</td>
                    <td>
                      {t.reason ?? ''} {t.message ?? ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="row">
            <button type="button" class="primary" disabled={busy || checked.result.counts.ready === 0} onClick={() => void start()}>
              Confirm and start ({checked.result.counts.ready} ready{checked.result.counts.blocked ? `, ${checked.result.counts.blocked} will be skipped` : ''})
            </button>
          </div>
        </div>
      ) : null}
    </section>
  );
}

/** A CSV plan (backupFileId,instanceId[,backupFilePath,uploadEndpoint]) or a JSON input/plan. */
export function parsePlan(name: string, text: string): Input {
  if (/\.json$/i.test(name) || text.trimStart().startsWith('{')) {
    const json = JSON.parse(text) as Input;
    return (json.options && json.items ? { items: json.items } : json) as Input;
  }
  const [header = '', ...lines] = text.split(/\r?\n/).filter((l) => l.trim());
  const columns = header.split(',').map((c) => c.trim());
  if (columns[0] !== 'backupFileId' || columns[1] !== 'instanceId') throw new Error(`${name}: the first line must be the header backupFileId,instanceId[,backupFilePath,uploadEndpoint]`);
  const items = new Map<string, Input & { instanceIds: string[] }>();
  lines.forEach((line) => {
    const cells = line.split(',').map((c) => c.trim());
    const row = Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
    const item = items.get(row.backupFileId!) ?? { backupFileId: row.backupFileId!, instanceIds: [], ...(row.backupFilePath ? { backupFilePath: row.backupFilePath } : {}), ...(row.uploadEndpoint ? { uploadEndpoint: row.uploadEndpoint } : {}) };
    item.instanceIds.push(row.instanceId!);
    items.set(row.backupFileId!, item);
  });
  return { items: [...items.values()] };
}
