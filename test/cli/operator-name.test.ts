// The CLI's audit names: `cpr recover` and `cpr approve` record the OS user (or CPR_OPERATOR) when no
// name is given, and a name written in the input file is not overwritten by that default.
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { buildProgram } from '../../client/cli/main';
import { recoverInputFromFlags } from '../../client/cli/recover';

/** Parses `args` for one subcommand without running it: the option values the action would get. */
function parsedOptions(
  args: string[],
  env: Record<string, string | undefined> = {},
): { opts: Record<string, unknown>; sources: Record<string, string | undefined> } {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  try {
    const program = buildProgram();
    const command = program.commands.find((c) => c.name() === args[0]) as Command;
    command.action(() => undefined);
    program.parse(args, { from: 'user' });
    const opts = command.opts();
    return { opts, sources: Object.fromEntries(Object.keys(opts).map((k) => [k, command.getOptionValueSource(k)])) };
  } finally {
    process.env = saved;
  }
}

it('cpr approve records the OS user, CPR_OPERATOR overrides it, --by wins over both', () => {
  expect(parsedOptions(['approve', 'wf-1'], { CPR_OPERATOR: undefined }).opts.by).toBe(userInfo().username);
  expect(parsedOptions(['approve', 'wf-1'], { CPR_OPERATOR: 'alice' }).opts.by).toBe('alice');
  expect(parsedOptions(['approve', 'wf-1', '--by', 'bob'], { CPR_OPERATOR: 'alice' }).opts.by).toBe('bob');
});

it('cpr recover defaults requestedBy to the operator, but never over a name given in the file', () => {
  const parsed = parsedOptions(['recover', '--backup', 'bf-x'], { CPR_OPERATOR: 'alice' });
  expect(parsed.opts.requestedBy).toBe('alice');
  expect(parsed.sources.requestedBy).toBe('env');

  const file = JSON.stringify({ backupFileId: 'bf-demobackup0000001', instanceIds: ['acp-demotarget000001'], requestedBy: 'carol' });
  const read = () => file;
  expect(recoverInputFromFlags({ file: 'in.json', defaultRequestedBy: 'alice' }, read)).toMatchObject({ requestedBy: 'carol' });
  expect(recoverInputFromFlags({ file: 'in.json', requestedBy: 'bob' }, read)).toMatchObject({ requestedBy: 'bob' });
  const unnamed = () => JSON.stringify({ backupFileId: 'bf-demobackup0000001', instanceIds: ['acp-demotarget000001'] });
  expect(recoverInputFromFlags({ file: 'in.json', defaultRequestedBy: 'alice' }, unnamed)).toMatchObject({ requestedBy: 'alice' });
  expect(
    recoverInputFromFlags({ backup: 'bf-demobackup0000001', instances: 'acp-demotarget000001', defaultRequestedBy: 'alice' }),
  ).toMatchObject({ requestedBy: 'alice' });
});
