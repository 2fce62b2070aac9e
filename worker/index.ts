export { createWorker, type CreateWorkerOptions } from './create-worker';
export {
  loadWorkerConfig,
  parseQps,
  workerConfigSchema,
  WorkerConfigError,
  type WorkerConfig,
  type WorkerConfigInput,
} from './config';
