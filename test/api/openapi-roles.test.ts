// The OpenAPI document names the role each protected route needs (`x-required-role`, a description line)
// and documents the 403 with the API's error shape; every documented role is the one the real API
// enforces over real HTTP (a caller without it gets the 403 naming that role).
import { hashToken } from '../../client/api/api-tokens';
import { buildApi } from '../../client/api/server';
import type { Role } from '../../client/api/roles';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../harness/temporal';

const tokens = {
  viewer: 'vera-token-0123456789abcdef',
  operator: 'olga-token-0123456789abcdef',
  approver: 'arne-token-0123456789abcdef',
} satisfies Record<Role, string>;
const names: Record<Role, string> = { viewer: 'vera', operator: 'olga', approver: 'arne' };

let temporal: TestTemporal;
let api: Awaited<ReturnType<typeof buildApi>>;
let url: string;

interface Operation {
  security?: unknown[];
  description?: string;
  'x-required-role'?: Role;
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: { properties?: Record<string, { enum?: string[] }> } }> }
  >;
}
let paths: Record<string, Record<string, Operation>>;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  api = await buildApi({
    client: temporal.client,
    taskQueue: uniqueTaskQueue('openapi-roles'),
    logger: false,
    tokens: (Object.keys(tokens) as Role[]).map((role) => ({ name: names[role], roles: [role], sha256: hashToken(tokens[role]) })),
  });
  await api.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
  paths = (
    (await (await fetch(`${url}/openapi.json`, { headers: { authorization: `Bearer ${tokens.viewer}` } })).json()) as {
      paths: typeof paths;
    }
  ).paths;
});
afterAll(async () => {
  await api?.close();
  await temporal?.close();
});

it('names the role of each protected route and documents its 403 with the error shape', () => {
  expect(paths['/v1/recoveries'].get['x-required-role']).toBe('viewer');
  expect(paths['/v1/recoveries'].post['x-required-role']).toBe('operator');
  expect(paths['/v1/recoveries/{id}/cancel'].post['x-required-role']).toBe('operator');
  expect(paths['/v1/recoveries/{id}/approve'].post['x-required-role']).toBe('approver');
  expect(paths['/v1/recoveries/{id}/approve'].post.description).toMatch(
    /Requires the `approver` role: approve releasing \(deleting\) backups\./,
  );

  const forbidden = paths['/v1/recoveries/{id}/approve'].post.responses['403'];
  expect(forbidden.description).toMatch(/lacks the approver role/);
  const schema = forbidden.content!['application/json'].schema;
  expect(Object.keys(schema.properties!)).toEqual(expect.arrayContaining(['error', 'message']));
  expect(schema.properties!.error.enum).toContain('forbidden');

  // Open routes need no role and cannot answer 403.
  expect(paths['/healthz'].get.security).toEqual([]);
  expect(paths['/healthz'].get['x-required-role']).toBeUndefined();
  expect(paths['/healthz'].get.responses['403']).toBeUndefined();

  // Every protected operation has both.
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.security?.length === 0) continue;
      expect({ path, method, role: op['x-required-role'], has403: '403' in op.responses }).toEqual({
        path,
        method,
        role: expect.stringMatching(/^(viewer|operator|approver)$/),
        has403: true,
      });
    }
  }
});

it('every documented operator or approver role is the one the API enforces', async () => {
  const checked: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const role = op['x-required-role'];
      if (!role || role === 'viewer') continue;
      // A caller holding a different role than the documented one.
      const caller: Role = role === 'operator' ? 'approver' : 'operator';
      const res = await fetch(url + path.replace(/\{[^}]+\}/g, 'recovery-x'), {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${tokens[caller]}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const body = (await res.json()) as { error?: string; message?: string };
      expect({ path, method, status: res.status, error: body.error, message: body.message }).toEqual({
        path,
        method,
        status: 403,
        error: 'forbidden',
        message: expect.stringMatching(new RegExp(`it needs the ${role} role$`)),
      });
      checked.push(`${method} ${path}`);
    }
  }
  expect(checked).toEqual(
    expect.arrayContaining(['post /v1/recoveries', 'post /v1/recoveries/{id}/approve', 'post /v1/migrations/{id}/window']),
  );
});
