// Runs: recoveries and migrations together, newest first, filtered and paged. Filters live in the
// URL (#/runs?status=Running&page=2), so a filtered view can be shared.
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api';
import { ErrorBox, when } from '../components';
import { migrationHref, recoveryHref } from '../router';
import type { RecoveryView, RunSummary } from '../types';

const PAGE_SIZE = 20;
const STATUSES = ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut'];
const OUTCOMES = ['succeeded', 'partial', 'failed', 'cancelled'];
const PHASES = ['preflight', 'lease', 'protect', 'recover', 'poll', 'verify', 'release', 'done'];
const FILTERS = ['kind', 'status', 'outcome', 'phase', 'backupFileId', 'instanceId'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

interface Listed {
  runs: RunSummary[];
  more: boolean;
  notes: string[];
}

export function RunsPage({ query }: { query: URLSearchParams }) {
  const filters: Filters = Object.fromEntries(FILTERS.flatMap((f) => (query.get(f) ? [[f, query.get(f)!]] : [])));
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  const key = query.toString();
  const [listed, setListed] = useState<Listed>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    setListed(undefined);
    setError(undefined);
    listRuns(filters, page).then(setListed, setError);
  }, [key]);

  const go = (next: Filters, nextPage = 1): void => {
    const q = new URLSearchParams(Object.entries(next).filter(([, v]) => v) as [string, string][]);
    if (nextPage > 1) q.set('page', String(nextPage));
    location.hash = `#/runs?${q.toString()}`;
  };

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          go(Object.fromEntries(FILTERS.map((f) => [f, String(data.get(f) ?? '').trim()])));
        }}
      >
        <Select name="kind" label="Kind" value={filters.kind} options={['recovery', 'migration']} />
        <Select name="status" label="Status" value={filters.status} options={STATUSES} />
        <Select name="outcome" label="Outcome" value={filters.outcome} options={OUTCOMES} />
        <Select name="phase" label="Phase" value={filters.phase} options={PHASES} />
        <label>
          Backup ID
          <input name="backupFileId" value={filters.backupFileId ?? ''} placeholder="bf-…" />
        </label>
        <label>
          Instance ID
          <input name="instanceId" value={filters.instanceId ?? ''} placeholder="acp-…" />
        </label>
        <div class="row">
          <button type="submit" class="primary">
            Filter
          </button>
          <button type="button" onClick={() => go({})}>
            Clear
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {listed?.notes.map((n) => (
        <p class="note" key={n}>
          {n}
        </p>
      ))}
      {!listed && !error ? <p aria-busy="true">Loading…</p> : null}
      {listed ? (
        <>
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Runs, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Status</th>
                  <th scope="col">Phase</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Targets</th>
                  <th scope="col">Verified</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Backups</th>
                  <th scope="col">Started</th>
                </tr>
              </thead>
              <tbody>
                {listed.runs.map((r) => (
                  <tr key={r.kind + r.id}>
                    <td>
                      <a href={r.kind === 'recovery' ? recoveryHref(r.id) : migrationHref(r.id)}>{r.id}</a>
                    </td>
                    <td>
                      {r.kind}
                      {parentMigration(r) ? (
                        <div class="small">
                          child of <a href={migrationHref(parentMigration(r)!)}>{parentMigration(r)}</a>
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <span class={`badge ${r.status}`}>{r.status}</span>
                    </td>
                    <td>{r.phase ?? ''}</td>
                    <td>{r.outcome ?? ''}</td>
                    <td>{r.targets ?? ''}</td>
                    <td>{r.verified ?? ''}</td>
                    <td>{r.failed ?? ''}</td>
                    <td>{r.backupFileIds.join(', ')}</td>
                    <td>{when(r.startedAt)}</td>
                  </tr>
                ))}
                {listed.runs.length === 0 ? (
                  <tr>
                    <td colSpan={10}>No runs match.</td>
                  </tr>
                ) : null}
              </tbody>
            </table>
          </div>
          <nav class="row" aria-label="Pages">
            <button type="button" disabled={page <= 1} onClick={() => go(filters, page - 1)}>
              ← Newer
            </button>
            <span>Page {page}</span>
            <button type="button" disabled={!listed.more} onClick={() => go(filters, page + 1)}>
              Older →
            </button>
          </nav>
        </>
      ) : null}
    </section>
  );
}

/** Children of a bulk migration are recoveries named `<migrationId>/<chunk>`. */
function parentMigration(run: RunSummary): string | undefined {
  return run.kind === 'recovery' ? /^(.+)\/\d+$/.exec(run.id)?.[1] : undefined;
}

function Select({ name, label, value, options }: { name: string; label: string; value?: string; options: string[] }) {
  return (
    <label>
      {label}
      <select name={name} value={value ?? ''}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The API lists newest first with a limit; a page is a slice of the first page*size+1 runs.
 * An instance ID is not a search attribute, so that filter reads the listed recoveries' targets.
 */
async function listRuns(filters: Filters, page: number): Promise<Listed> {
  const limit = page * PAGE_SIZE + 1;
  const notes: string[] = [];
  const params = new URLSearchParams({ limit: String(limit) });
  for (const f of ['status', 'outcome', 'phase', 'backupFileId'] as const) if (filters[f]) params.set(f, filters[f]!);
  const runs: RunSummary[] = [];
  if (filters.kind !== 'migration') {
    const { recoveries } = await api<{ recoveries: (Omit<RunSummary, 'kind' | 'id'> & { workflowId: string })[] }>('GET', `/v1/recoveries?${params.toString()}`);
    runs.push(...recoveries.map(({ workflowId, ...r }) => ({ ...r, kind: 'recovery' as const, id: workflowId })));
  }
  if (filters.kind !== 'recovery' && !filters.phase && !filters.instanceId) {
    const { migrations } = await api<{ migrations: (Omit<RunSummary, 'kind' | 'id'> & { workflowId: string })[] }>('GET', `/v1/migrations?${params.toString()}`);
    runs.push(...migrations.map(({ workflowId, ...m }) => ({ ...m, kind: 'migration' as const, id: workflowId })));
  }
  let selected = runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  if (filters.instanceId) {
    const id = filters.instanceId;
    const views = await Promise.all(selected.map((r) => api<RecoveryView>('GET', `/v1/recoveries/${enc(r.id)}`).catch(() => undefined)));
    selected = selected.filter((_, i) => (views[i]?.result ?? views[i]?.progress)?.targets.some((t) => t.instanceId === id));
    notes.push(`Instance ${id}: searched the ${views.length} most recent recoveries matching the other filters.`);
  }
  return { runs: selected.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE), more: selected.length > page * PAGE_SIZE, notes };
}
