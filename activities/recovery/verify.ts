// verifyTargets: one RunCommand per chunk of ≤50 targets restored from the same backup (same command
// text), then a pure comparison per target against what preflight read from the source.
import { log } from '@temporalio/activity';
import { MAX_INSTANCES_PER_CALL } from '../ecp';
import { buildVerificationCommand } from '../commands/build';
import { unknownCheckNames } from '../commands/custom-checks';
import { newMarkerNonce } from '../commands/nonce';
import { parseVerificationOutput } from '../commands/parse';
import { compareTarget } from './compare';
import type { VerifyOutcome, VerifyRequest } from './contract';
import { runCommandAndCollect } from './run-command';
import { chunk } from '../../workflows/collections';
import { activityHeartbeat, workflowIdOf } from '../activity-context';
import { mapBounded } from '../concurrency';
import type { RecoveryDeps } from './deps';

export async function verifyTargets(deps: RecoveryDeps, req: VerifyRequest): Promise<VerifyOutcome[]> {
  const progress = { done: 0, total: req.targets.length };
  const beat = activityHeartbeat(() => progress);
  const outcomes = new Map<string, VerifyOutcome>();
  const chunkSize = Math.max(1, Math.min(MAX_INSTANCES_PER_CALL, Math.floor(req.chunkSize)));

  const unknown = unknownCheckNames(req.verification.customChecks, deps.customChecks);
  if (unknown.length > 0) {
    // Nothing is sent: a check we cannot run must not silently pass.
    return req.targets.map((t) => ({
      instanceId: t.instanceId,
      ok: false,
      reason: 'VerificationError',
      message: `custom check(s) not defined in this worker's configuration: ${unknown.join(', ')}`,
    }));
  }
  const checks = req.verification.customChecks.map((name) => ({ name, check: deps.customChecks[name] }));
  const withData = req.verification.data === 'source';

  // Targets whose backups list the same packages share one command text, so they share RunCommand calls.
  const byPackages = new Map<string, { packages: string[]; targets: VerifyRequest['targets'] }>();
  const seen = new Set<string>();
  for (const t of req.targets) {
    if (seen.has(t.instanceId)) continue;
    seen.add(t.instanceId);
    const expected = req.expectations[t.backupFileId];
    if (!expected || expected.length === 0) {
      outcomes.set(t.instanceId, {
        instanceId: t.instanceId,
        ok: false,
        reason: 'VerificationError',
        message: `no expectations for backup ${t.backupFileId}`,
      });
      continue;
    }
    const packages = expected.map((e) => e.packageName);
    const key = packages.join(',');
    const group = byPackages.get(key) ?? { packages, targets: [] };
    group.targets.push(t);
    byPackages.set(key, group);
  }
  const chunks = [...byPackages.values()].flatMap((g) => chunk(g.targets, chunkSize).map((c) => ({ packages: g.packages, targets: c })));

  await mapBounded(chunks, deps.concurrency, async ({ packages, targets }) => {
    const ids = targets.map((t) => t.instanceId);
    // Fresh per call, so no marker in app-controlled output can pass (docs/verification-commands.md).
    const nonce = newMarkerNonce();
    const command = buildVerificationCommand({ nonce, packages, version: true, data: withData, checks });
    const results = await runCommandAndCollect(deps, ids, command, { pollIntervalMs: req.pollIntervalMs, beat });
    for (const { instanceId, backupFileId } of targets) {
      const expected = req.expectations[backupFileId];
      const r = results.get(instanceId);
      if (!r || r.status !== 'SUCCESS') {
        outcomes.set(instanceId, {
          instanceId,
          ok: false,
          reason: 'VerificationError',
          message: `verification command on ${instanceId} ended ${r?.status ?? 'without a result'}`,
          evidence: { detail: (r?.output ?? '').slice(0, 500) },
        });
        continue;
      }
      const parsed = parseVerificationOutput(r.output, packages, { nonce, data: withData, checks: checks.map((c) => c.name) });
      const verdict = compareTarget(expected, parsed, req.verification, deps.customChecks);
      outcomes.set(instanceId, { instanceId, ...verdict });
      if (!verdict.ok) log.info('target failed verification', { workflowId: workflowIdOf(), instanceId, reason: verdict.reason });
    }
    progress.done += ids.length;
    beat();
  });

  return req.targets.map(
    (t) => outcomes.get(t.instanceId) ?? { instanceId: t.instanceId, ok: false, reason: 'VerificationError', message: 'not verified' },
  );
}
