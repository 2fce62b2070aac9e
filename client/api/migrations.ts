// Placeholder owned by the bulk-migration work: it replaces this file with the /v1/migrations routes
// (added through deps.routes so they are validated and documented like the recovery routes).
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps';

export function registerMigrationRoutes(_app: FastifyInstance, _deps: ApiDeps): void | Promise<void> {
  // no migration routes yet
}
