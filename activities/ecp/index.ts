export * from './types';
export { loadEcpConfig, describeEcpConfig, EcpConfigError } from './config';
export type { EcpConfig, EcpStaticCredentials, EcpConfigSummary, LoadEcpConfigOptions } from './config';
export { createCallApi } from './call';
export type { CallApi, CallResult, EcpAction, EcpCallEvent, EcpHooks, WireBody, WireQuery } from './call';
export { EcpError, classifyError, isRetryable, isEcpError, scrubMessage } from './errors';
export { createEcpClient, createEcpClientFromCall } from './operations';
export { pages, collectAll, describeTasksByIds } from './paging';
export type { FetchPage, PagingOptions, DescribeTasksByIdsOptions } from './paging';
export { parseVendorTime } from './wire';
export { normaliseInvocationStatus } from './mappers';
export {
  MAX_INSTANCES_PER_CALL,
  MAX_BACKUP_FILES_PER_CALL,
  MAX_TASK_IDS_PER_CALL,
  MAX_PACKAGES_PER_CALL,
  MAX_PAGE_SIZE,
} from './validate';
