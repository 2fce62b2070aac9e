// Roles of API callers. Reading needs `viewer`; changing a run needs `operator`; releasing a backup
// needs `approver`. The rule is decided from the route itself, so routes added later are covered too.
export const ROLES = ['viewer', 'operator', 'approver'] as const;
export type Role = (typeof ROLES)[number];

/** The role a route needs: GET/HEAD read, `…/approve` releases backups, every other method acts. */
export function requiredRole(method: string, routeUrl: string): Role {
  if (method === 'GET' || method === 'HEAD') return 'viewer';
  if (routeUrl.endsWith('/approve')) return 'approver';
  return 'operator';
}

/** What each role allows, in the words of the OpenAPI document (client/api/openapi.ts). */
export const ROLE_GRANTS: Record<Role, string> = {
  viewer: 'read (every role may read)',
  operator: 'start and change runs (start, cancel, pause, resume, window, schedules)',
  approver: 'approve releasing (deleting) backups',
};

/** Who is calling, as far as the API knows. */
export interface Principal {
  name: string;
  roles: readonly Role[];
  /**
   * True for named tokens: the API records this name as `requestedBy` / `approvedBy` and refuses
   * another. False for the single CPR_API_TOKEN and for unauthenticated development, whose callers
   * may name themselves in the request body.
   */
  accountable: boolean;
}

/** Every role may read: an approver must see what it approves. */
export function hasRole(principal: Principal, role: Role): boolean {
  return role === 'viewer' ? principal.roles.length > 0 : principal.roles.includes(role);
}
