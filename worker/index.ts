export { createWorker, type CreateWorkerOptions } from './create-worker';
export {
  loadWorkerConfig,
  parseQps,
  workerConfigSchema,
  WorkerConfigError,
  DEFAULT_VENDOR_QPS,
  type WorkerConfig,
  type WorkerConfigInput,
} from './config';
