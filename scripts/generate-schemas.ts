// Publishes JSON Schemas (draft 2020-12) of the workflows' inputs, results and progress queries in
// docs/schemas/, for callers in any language (docs/contract.md). Each schema has one source: inputs come
// from the zod schemas the workflows validate with (z.toJSONSchema), results and progress from the
// TypeScript types the workflows return (ts-json-schema-generator). `npm run schemas` rewrites the files;
// test/contract/schemas.test.ts fails when a committed file differs from what this script generates.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';
import { z } from 'zod';
import { recoverAppInputSchema } from '../workflows/input';
import { migrationPlanSchema } from '../workflows/plan';

export type JsonSchema = Record<string, unknown>;

const ROOT = join(__dirname, '..');
export const SCHEMA_DIR = join(ROOT, 'docs', 'schemas');
const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

const INPUT_NOTE =
  'Checks the schema cannot express are applied by the workflow too: an instance may be the target of only one item, ' +
  'limits.pollIntervalMinMs must not exceed limits.pollIntervalMaxMs, and the total number of targets is capped.';

/** File name (without .json) → schema. The API serves the same files under GET /v1/schemas/:name. */
export function buildSchemas(): Record<string, JsonSchema> {
  const types = createGenerator({
    path: join(ROOT, 'workflows', 'library.ts'),
    tsconfig: join(ROOT, 'tsconfig.json'),
    type: '*',
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
    // Results may gain optional fields in later versions: callers must not reject unknown ones.
    additionalProperties: true,
    skipTypeCheck: true,
  });
  const fromType = (type: string, title: string, description: string): JsonSchema =>
    withHeader(draft07To2020(types.createSchema(type) as JsonSchema), title, description);
  const fromZod = (schema: z.ZodType, title: string, description: string): JsonSchema =>
    withHeader(z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as JsonSchema, title, description);

  return {
    'recover-app-input': fromZod(
      recoverAppInputSchema,
      'recoverApp input',
      `The argument of the recoverApp workflow (fields with a default may be omitted). ${INPUT_NOTE}`,
    ),
    'recover-app-result': fromType(
      'RecoveryResult',
      'recoverApp result',
      'What the recoverApp workflow returns; also its outcome when it was cancelled (outcome "cancelled").',
    ),
    'recovery-progress': fromType('RecoveryProgress', 'recoverApp progress', 'The answer of the recoverApp "progress" query.'),
    'bulk-migration-input': fromZod(
      migrationPlanSchema,
      'bulkMigration input',
      `The argument of the bulkMigration workflow: the migration plan. ${INPUT_NOTE} A backup may appear in one item only.`,
    ),
    'bulk-migration-result': fromType('MigrationResult', 'bulkMigration result', 'What the bulkMigration workflow returns.'),
    'migration-progress': fromType(
      'MigrationProgress',
      'bulkMigration progress',
      'The answer of the bulkMigration "migrationProgress" query.',
    ),
  };
}

export function serialise(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function withHeader(schema: JsonSchema, title: string, description: string): JsonSchema {
  const { $schema: _ignored, ...rest } = schema;
  return { $schema: DRAFT_2020_12, title, description, ...rest };
}

/** ts-json-schema-generator writes draft-07: `definitions` become `$defs`, tuple `items` become `prefixItems`. */
function draft07To2020(node: unknown): JsonSchema {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (value === null || typeof value !== 'object') return value;
    const out: JsonSchema = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === 'definitions') out.$defs = convert(child);
      else if (key === '$ref' && typeof child === 'string') out.$ref = child.replace('#/definitions/', '#/$defs/');
      else if (key === 'items' && Array.isArray(child)) out.prefixItems = convert(child);
      else out[key] = convert(child);
    }
    return out;
  };
  return convert(node) as JsonSchema;
}

if (require.main === module) {
  for (const [name, schema] of Object.entries(buildSchemas())) {
    writeFileSync(join(SCHEMA_DIR, `${name}.json`), serialise(schema));
    console.log(`docs/schemas/${name}.json`);
  }
}
