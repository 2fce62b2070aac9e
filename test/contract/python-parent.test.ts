// A parent workflow in another language: examples/python (temporalio Python SDK) starts the product's
// recoverApp as children with ParentClosePolicy.REQUEST_CANCEL, queries progress, cancels one child,
// reads the results, and is terminated mid-run once. Real Temporal dev server, the product's real worker
// and activities, the emulator over signed HTTP; the Python side runs as a subprocess.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { temporal as proto } from '@temporalio/proto';
import { DEMO_BACKUP_1, DEMO_BACKUP_2, DEMO_TARGETS } from '../../emulator/demo-seed';
import { leaseRegistryWorkflowId, leaseShardOf, leasesQuery } from '../../workflows/lease-registry';
import type { RecoveryResult } from '../../workflows/types';
import { connectTestTemporal, uniqueId, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';
import { demoInput, openLab, type Lab } from '../workflows/emulator-harness';

const ROOT = join(__dirname, '..', '..');
const PYTHON_DIR = join(ROOT, '.python');
const PYTHON_SDK_INSTALL = 'python3 -m pip install --target .python -r examples/python/requirements.txt';
/** The pinned SDK version, from the one place it is written. */
const PINNED_SDK = /^temporalio==(\S+)$/m.exec(readFileSync(join(ROOT, 'examples', 'python', 'requirements.txt'), 'utf8'))![1]!;
const EventType = proto.api.enums.v1.EventType;

interface ChildOutcome {
  workflow_id: string;
  result: RecoveryResult | null;
  failure_type: string | null;
  failure_message: string | null;
}
interface PythonReport {
  cancelOne: { parentWorkflowId: string; progressBeforeCancel: { workflowId: string; phase: string }; children: ChildOutcome[] };
  terminatedParent: {
    parentWorkflowId: string;
    childWorkflowId: string;
    progressBeforeTerminate: { phase: string };
    childResult: RecoveryResult;
  };
}

let temporal: TestTemporal;
let lab: Lab | undefined;
let workDir: string;
beforeAll(async () => {
  temporal = await connectTestTemporal();
  workDir = mkdtempSync(join(tmpdir(), 'cpr-python-'));
});
afterAll(async () => {
  await lab?.close();
  await temporal?.close();
  rmSync(workDir, { recursive: true, force: true });
});

function runPython(configPath: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [join(ROOT, 'examples', 'python', 'run_example.py'), configPath], {
      env: { ...process.env, PYTHONPATH: PYTHON_DIR, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function eventTypes(workflowId: string): Promise<proto.api.history.v1.IHistoryEvent[]> {
  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

describe('a Python parent workflow (examples/python)', () => {
  it('starts recoverApp children with REQUEST_CANCEL, cancels one, reads results, and survives its own termination', async () => {
    if (!existsSync(join(PYTHON_DIR, `temporalio-${PINNED_SDK}.dist-info`))) {
      throw new Error(
        `The Temporal Python SDK ${PINNED_SDK} is not installed in .python/. Install it with:\n  ${PYTHON_SDK_INSTALL}\n(.ci/run does this)`,
      );
    }
    lab = await openLab(temporal, { recoverDurationMs: 300_000 }); // ~3 s per vendor task: time to cancel mid-run
    const l = lab;
    const idPrefix = uniqueId('py');
    const configPath = join(workDir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        address: temporal.address,
        namespace: temporal.namespace,
        recoveryTaskQueue: l.taskQueue,
        parentTaskQueue: uniqueTaskQueue('py-parents'),
        idPrefix,
        finishes: demoInput(DEMO_TARGETS.slice(0, 2), { backupFileId: DEMO_BACKUP_1 }),
        cancelled: demoInput(DEMO_TARGETS.slice(2, 4), { backupFileId: DEMO_BACKUP_2 }),
        parentTerminated: demoInput([DEMO_TARGETS[4]!], { backupFileId: DEMO_BACKUP_2 }),
      }),
    );

    const worker = await l.worker();
    const targets = DEMO_TARGETS.slice(0, 5);
    // The lease registries are workflows on the product's queue: ask them while the worker runs.
    const { python, holders } = await worker.runUntil(async () => {
      const ran = await runPython(configPath, 150_000);
      const held = await Promise.all(
        targets.map((id) =>
          temporal.client.workflow.getHandle(leaseRegistryWorkflowId(leaseShardOf(id), l.leasePrefix)).query(leasesQuery, [id]),
        ),
      );
      return { python: ran, holders: held.flat() };
    });
    expect({ code: python.code, stderr: python.code === 0 ? '' : python.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(python.stdout.trim().split('\n').pop()!) as PythonReport;

    // What the Python side saw.
    const [finished, cancelled] = report.cancelOne.children;
    expect(finished).toMatchObject({
      workflow_id: `${idPrefix}-finishes`,
      failure_type: null,
      result: { outcome: 'succeeded', counts: { verified: 2 } },
    });
    expect(['recover', 'poll']).toContain(report.cancelOne.progressBeforeCancel.phase);
    expect(cancelled).toMatchObject({
      workflow_id: `${idPrefix}-cancelled`,
      failure_type: null,
      result: {
        outcome: 'cancelled',
        cancelRequested: true,
        counts: { total: 2, verified: 0 },
        backups: [{ backupFileId: DEMO_BACKUP_2, released: false, keptBecause: 'cancelled' }],
      },
    });
    expect(['recover', 'poll']).toContain(report.terminatedParent.progressBeforeTerminate.phase);
    expect(report.terminatedParent.childResult).toMatchObject({
      outcome: 'cancelled',
      cancelRequested: true,
      backups: [{ released: false, keptBecause: 'cancelled' }],
    });

    // The results Python read are valid against the published result schema.
    const validResult = new Ajv2020({ strict: false }).compile(
      JSON.parse(readFileSync(join(ROOT, 'docs', 'schemas', 'recover-app-result.json'), 'utf8')),
    );
    for (const result of [finished!.result, cancelled!.result, report.terminatedParent.childResult]) expect(validResult(result)).toBe(true);

    // Temporal's record: children started with REQUEST_CANCEL, cancelled children Completed (not Terminated).
    for (const parentId of [report.cancelOne.parentWorkflowId, report.terminatedParent.parentWorkflowId]) {
      const starts = (await eventTypes(parentId)).filter(
        (e) => e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
      );
      expect(starts.length).toBeGreaterThan(0);
      for (const start of starts) {
        expect(start.startChildWorkflowExecutionInitiatedEventAttributes?.parentClosePolicy).toBe(
          proto.api.enums.v1.ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
        );
        expect(start.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name).toBe('recoverApp');
      }
    }
    expect((await temporal.client.workflow.getHandle(report.cancelOne.parentWorkflowId).describe()).status.name).toBe('COMPLETED');
    expect((await temporal.client.workflow.getHandle(report.terminatedParent.parentWorkflowId).describe()).status.name).toBe('TERMINATED');
    for (const childId of [`${idPrefix}-cancelled`, report.terminatedParent.childWorkflowId]) {
      expect((await temporal.client.workflow.getHandle(childId).describe()).status.name).toBe('COMPLETED');
      expect((await eventTypes(childId)).map((e) => e.eventType)).toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
    }

    // The vendor side: no task left running, one task per target, and every lease released.
    const state = await l.admin.state();
    expect(state.tasks.filter((t) => t.status === 'Waiting' || t.status === 'Processing')).toEqual([]);
    const stats = await l.admin.stats();
    expect(stats.duplicateRecoveryTasks).toBe(0);
    expect(holders).toEqual([]);
  }, 180_000);
});
