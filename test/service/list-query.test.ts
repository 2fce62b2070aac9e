// The visibility query is built only from validated values; anything else is refused with the field.
import { buildListQuery, InvalidInputError, literal, parseListFilter } from '../../client/service';

describe('buildListQuery', () => {
  it('always restricts to recoveries and ANDs the filters', () => {
    expect(buildListQuery({})).toBe("CprKind = 'recovery'");
    expect(buildListQuery({ backupFileId: 'bf-abc123def', phase: 'verify', status: 'Running', outcome: 'partial' })).toBe(
      "CprKind = 'recovery' AND CprBackupFileIds = 'bf-abc123def' AND CprPhase = 'verify' AND CprOutcome = 'partial' AND ExecutionStatus = 'Running'",
    );
  });

  it.each([
    [{ backupFileId: "bf-abc' OR WorkflowId != '" }, 'backupFileId'],
    [{ phase: 'nap' }, 'phase'],
    [{ status: "Running' OR '1'='1" }, 'status'],
    [{ outcome: 'great' }, 'outcome'],
    [{ limit: 0 }, 'limit'],
    [{ limit: 1.5 }, 'limit'],
    [{ WorkflowType: 'x' }, 'WorkflowType'],
  ])('refuses %j naming %s', (filter, field) => {
    let caught: unknown;
    try {
      buildListQuery(filter as never);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).issues.map((i) => i.field)).toEqual([field]);
  });

  it('defaults the limit', () => {
    expect(parseListFilter({}).limit).toBe(50);
  });

  it('escapes quotes and backslashes in literals', () => {
    expect(literal("it's")).toBe("'it\\'s'");
    expect(literal('a\\')).toBe("'a\\\\'");
  });
});
