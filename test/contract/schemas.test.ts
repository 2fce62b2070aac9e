// The published JSON Schemas (docs/schemas/) are what callers in other languages code against: they must
// be what scripts/generate-schemas.ts produces from the current sources, and the inputs and results of
// recorded real runs (test/fixtures/histories/) must validate against them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { buildSchemas, SCHEMA_DIR, serialise, type JsonSchema } from '../../scripts/generate-schemas';
import { HISTORIES_DIR } from '../workflows/harness';

const committed = (name: string): string => readFileSync(join(SCHEMA_DIR, `${name}.json`), 'utf8');

describe('docs/schemas', () => {
  const generated = buildSchemas();

  it('are up to date with the zod schemas and result types (run `npm run schemas` when this fails)', () => {
    const files = readdirSync(SCHEMA_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).toEqual(
      Object.keys(generated)
        .map((name) => `${name}.json`)
        .sort(),
    );
    for (const [name, schema] of Object.entries(generated)) {
      expect({ name, text: committed(name) }).toEqual({ name, text: serialise(schema) });
    }
  });

  it('are valid draft 2020-12 schemas', () => {
    for (const [name, schema] of Object.entries(generated)) {
      expect({ name, $schema: schema.$schema }).toEqual({ name, $schema: 'https://json-schema.org/draft/2020-12/schema' });
      expect(() => new Ajv2020({ strict: false }).compile(schema)).not.toThrow();
    }
  });
});

interface RecordedRun {
  file: string;
  input: unknown;
  result?: unknown;
  /** The run failed its own input validation (recorded on purpose: a rejected run stays listed). */
  rejectedInput: boolean;
}

/** The first workflow input and the completion result of a recorded history, decoded from json/plain payloads. */
function recordedRun(file: string): RecordedRun {
  const history = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as {
    events: Record<string, { input?: Payloads; result?: Payloads; failure?: { applicationFailureInfo?: { type?: string } } }>[];
  };
  const decode = (p?: Payloads): unknown =>
    p?.payloads?.[0] ? JSON.parse(Buffer.from(p.payloads[0].data, 'base64').toString('utf8')) : undefined;
  const started = history.events.find((e) => e.workflowExecutionStartedEventAttributes)?.workflowExecutionStartedEventAttributes;
  const completed = history.events.find((e) => e.workflowExecutionCompletedEventAttributes)?.workflowExecutionCompletedEventAttributes;
  const failed = history.events.find((e) => e.workflowExecutionFailedEventAttributes)?.workflowExecutionFailedEventAttributes;
  return { file, input: decode(started?.input), result: decode(completed?.result), rejectedInput: failed?.failure?.applicationFailureInfo?.type === 'InvalidInput' };
}
type Payloads = { payloads?: { data: string }[] };

describe('recorded runs validate against the published schemas', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validator = (name: string) => ajv.compile(JSON.parse(committed(name)) as JsonSchema);
  const histories = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

  it.each([
    ['recover-app', 'recover-app-input', 'recover-app-result'],
    ['bulk-migration', 'bulk-migration-input', 'bulk-migration-result'],
  ])('%s inputs and results', (prefix, inputSchema, resultSchema) => {
    const validInput = validator(inputSchema);
    const validResult = validator(resultSchema);
    const runs = histories.filter((f) => f.startsWith(`${prefix}.`)).map(recordedRun);
    let results = 0;
    for (const run of runs) {
      // The schema refuses what the workflow refused.
      if (run.rejectedInput) {
        expect({ file: run.file, valid: validInput(run.input) }).toEqual({ file: run.file, valid: false });
        continue;
      }
      // A continued run's input is the workflow's own continuation, not caller input.
      if (!(typeof run.input === 'object' && run.input !== null && 'continuation' in run.input)) {
        expect({ file: run.file, valid: validInput(run.input), errors: validInput.errors ?? null }).toEqual({
          file: run.file,
          valid: true,
          errors: null,
        });
      }
      if (run.result === undefined) continue;
      results++;
      expect({ file: run.file, valid: validResult(run.result), errors: validResult.errors ?? null }).toEqual({
        file: run.file,
        valid: true,
        errors: null,
      });
    }
    expect(results).toBeGreaterThan(0);
  });

  it('the cancelled emulator run is a Completed result with outcome cancelled', () => {
    const run = recordedRun('recover-app.emulator-cancelled.json');
    expect(validator('recover-app-result')(run.result)).toBe(true);
    expect(run.result).toMatchObject({
      outcome: 'cancelled',
      cancelRequested: true,
      backups: [{ released: false, keptBecause: 'cancelled' }],
    });
  });

  it('rejects what callers got wrong by trial: the API-only requestId, an unknown field, a capitalised enum', () => {
    const validInput = validator('recover-app-input');
    const base = { backupFileId: 'bf-demobackup0000001', instanceIds: ['acp-demotarget0000001'] };
    expect(validInput(base)).toBe(true);
    expect(validInput({ ...base, requestId: 'abc' })).toBe(false);
    expect(validInput({ ...base, existingApp: 'Overwrite' })).toBe(false);
    expect(validInput({ ...base, instanceIds: ['i-123'] })).toBe(false);
  });
});
