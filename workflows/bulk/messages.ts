// Messages of the bulkMigration workflow. Pause and resume reuse recoverApp's definitions so one
// client call shape serves both workflow kinds.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { MigrationProgress } from './types';

export { pauseUpdate, resumeUpdate } from '../types';

export const migrationProgressQuery = defineQuery<MigrationProgress>('migrationProgress');
/** Change the number of children running at once; takes effect at the next launch decision. */
export const setWindowUpdate = defineUpdate<{ window: number }, [number]>('setWindow');
/** Stop launching children, cancel running ones (they clean up), and finish with outcome 'cancelled'. */
export const cancelMigrationUpdate = defineUpdate<{ cancelling: true; running: number }, [{ reason?: string }?]>('cancelMigration');
