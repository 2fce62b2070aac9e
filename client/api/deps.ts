// What route modules get: the Temporal client, the task queue runs are started on, and the route table
// (routes added through it are validated the same way and appear in /openapi.json).
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { RouteTable } from './routes';

export interface ApiDeps {
  app: FastifyInstance;
  client: Client;
  taskQueue: string;
  routes: RouteTable;
}
