// `cpr`: the operator CLI. Every command is one line in --help; failures are one line on stderr with a
// non-zero exit code (2 = bad input, nothing started; see errors.ts for the others).
import { userInfo } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { createContext, type CliContext, type GlobalFlags } from './context';
import { describeCliError, EXIT, formatCliError, usageError } from './errors';
import type { RecoverFlags } from './recover';

type Action = (ctx: CliContext) => Promise<number>;

/** Wraps a command body: context from the global flags, exit code from the result or the error. */
function run(cmd: Command, body: Action): Promise<void> {
  const flags = cmd.optsWithGlobals<GlobalFlags>();
  return body(createContext(flags)).then((code) => {
    process.exitCode = code;
  });
}

/** Whether the command line asks for JSON output; known before commander parsed it, for its own errors. */
export function wantsJson(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return false;
    if ((arg === '-o' || arg === '--output') && argv[i + 1] === 'json') return true;
    if (arg === '--output=json' || arg === '-ojson') return true;
  }
  return false;
}

/**
 * The name the CLI records for the audit trail when none is given: CPR_OPERATOR (commander's `.env`),
 * else the OS user. Not authenticated: the CLI talks to Temporal directly (docs/console.md).
 */
function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined; // no passwd entry (some containers): no default name
  }
}

const operatorOption = (flags: string, description: string) => new Option(flags, description).env('CPR_OPERATOR').default(osUser(), 'the OS user');

export function buildProgram(json = false): Command {
  // Commander's usage errors, in the format the operator asked for.
  const outputError = (text: string, write: (s: string) => void): void => write(json ? formatCliError(usageError(text), true) : text.split('\n')[0] + '\n');
  const program = new Command()
    .name('cpr')
    .description('Cloud Phone app recovery: restore app backups onto instances, verify them, then release the backup')
    .addOption(new Option('--address <host:port>', 'Temporal frontend address').env('CPR_TEMPORAL_ADDRESS'))
    .addOption(new Option('--namespace <name>', 'Temporal namespace').env('CPR_TEMPORAL_NAMESPACE'))
    .addOption(new Option('--task-queue <name>', 'task queue of the recovery workers (default cloudphone-recovery)').env('CPR_TASK_QUEUE'))
    .addOption(new Option('-o, --output <format>', 'output of read commands').choices(['text', 'json']).default('text'))
    .showSuggestionAfterError(false)
    .exitOverride()
    .configureOutput({ outputError });

  // ---- servers ---------------------------------------------------------------------------------------
  program
    .command('dev')
    .description('run the whole stack locally (Temporal dev server, emulator, worker, API) and a demo recovery (= npm start)')
    .option('--temporal-port <port>', 'Temporal gRPC port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--emulator-port <port>', 'Cloud Phone API emulator port', '18080')
    .option('--api-port <port>', 'HTTP API port', '8080')
    .option('--metrics-port <port>', 'worker Prometheus metrics port (product metrics)', '9464')
    .option('--sdk-metrics-port <port>', 'Temporal SDK Prometheus metrics port', '9465')
    .option('--data-dir <dir>', 'where the Temporal SQLite file and logs live', '.data')
    .option('--time-scale <x>', 'emulator real ms per emulated ms (smaller = faster demo)', '0.05')
    .option('--no-demo', 'do not run the demo recovery')
    .option('--exit-after-demo', 'shut down after the demo recovery (exit 0 only if every target verified)')
    .action((opts, cmd: Command) => run(cmd, async () => (await import('./dev')).devCommand(opts)));

  program
    .command('worker')
    .description('run a production worker against a Temporal cluster and the Cloud Phone API (graceful on SIGTERM)')
    .option('--metrics-port <port>', 'product metrics port, /metrics (0 = off)', process.env.CPR_METRICS_PORT ?? '9464')
    .option('--sdk-metrics-port <port>', 'Temporal SDK metrics port (0 = off)', process.env.CPR_SDK_METRICS_PORT ?? '9465')
    .option('--metrics-host <host>', 'interface the metrics servers bind', process.env.CPR_METRICS_HOST ?? '0.0.0.0')
    .action((opts, cmd: Command) => run(cmd, async (ctx) => (await import('./worker')).workerCommand(opts, ctx)));

  program
    .command('api')
    .description('run the HTTP API for dashboards only (REST /v1, /openapi.json; bearer token CPR_API_TOKEN)')
    .option('--port <port>', 'listen port', process.env.CPR_API_PORT ?? '8080')
    .option('--host <host>', 'listen interface', process.env.CPR_API_HOST ?? '127.0.0.1')
    .action((opts, cmd: Command) => run(cmd, async (ctx) => (await import('./serve')).apiCommand(opts, ctx)));

  program
    .command('emulator')
    .description('run the local Cloud Phone API emulator (a separate program; flags are passed through, see cpr emulator --help)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'emulator flags: --port, --seed <file|demo>, --access-key-id, --access-key-secret, --time-scale, --qps …')
    .action((args: string[], _opts, cmd: Command) => run(cmd, async () => (await import('./serve')).emulatorCommand(args)));

  program
    .command('doctor')
    .description('check an account before the first recovery: credentials, endpoint, clock, permissions, statuses, rate limits (read-only)')
    .option('--max-pages <n>', 'pages of 100 read per listing', '10')
    .option('--strict', 'exit 1 on warnings too')
    .action((opts, cmd: Command) => run(cmd, async (ctx) => (await import('./doctor')).doctorCommand(opts, ctx)));

  // ---- recoveries --------------------------------------------------------------------------------------
  program
    .command('recover')
    .description('start a recovery from flags or a JSON file (--wait follows it, --dry-run only checks it)')
    .option('--file <path>', 'recovery input as JSON (the API body); - reads stdin')
    .option('--backup <id>', 'backup file ID (bf-…)')
    .option('--instances <ids>', 'target instance IDs, comma-separated')
    .option('--backup-path <oss-url>', 'backup file path (default: taken from the vendor record)')
    .option('--upload-endpoint <host>', 'OSS endpoint of the backup')
    .option('--existing-app <policy>', 'target already has the app: refuse | overwrite | snapshot-then-overwrite (default)')
    .option('--release <policy>', 'release the backup: after-all-verified (default) | never | on-approval')
    .option('--on-busy <policy>', 'target leased by another recovery: wait (default) | fail')
    .option('--verify-data <rule>', 'data check: source (default) | none')
    .option('--verify-version <rule>', 'version check: source (default) | any')
    .option('--packages <names>', 'packages to verify, comma-separated (default: the backup\'s apps)')
    .addOption(operatorOption('--requested-by <who>', 'who asked, for the audit trail (a requestedBy in --file wins over the default)'))
    .option('--request-id <id>', 'idempotency key: the same ID always means the same run')
    .option('--wait', 'follow live progress until the result; exit non-zero unless all targets verified')
    .option('--dry-run', 'run preflight only and print each target\'s verdict; changes nothing')
    .action((opts: RecoverFlags, cmd: Command) =>
      run(cmd, async (ctx) => (await import('./recover')).recoverCommand(cmd.getOptionValueSource('requestedBy') === 'cli' ? opts : { ...opts, requestedBy: undefined, defaultRequestedBy: opts.requestedBy }, ctx)),
    );

  program
    .command('status')
    .description('show one recovery (backups, snapshots, per-instance table) or migration (waves, window, per-child counts)')
    .argument('<id>', 'workflow ID of the recovery or migration')
    .action((id: string, _opts, cmd: Command) => run(cmd, async (ctx) => (await import('./runs')).statusCommand(id, ctx)));

  program
    .command('list')
    .description('list recoveries and migrations, filtered by kind, backup, phase, run status, outcome or schedule')
    .option('--kind <kind>', 'recovery | migration (default both)')
    .option('--backup <id>', 'only runs of this backup file ID')
    .option('--phase <phase>', 'validate | preflight | lease | protect | recover | poll | verify | release | done (recoveries only)')
    .option('--status <status>', 'running | completed | failed | canceled | terminated | timedout')
    .option('--outcome <outcome>', 'succeeded | partial | failed | cancelled')
    .option('--schedule <id>', 'only runs this schedule started')
    .option('--limit <n>', 'at most this many (default 50)')
    .action((opts, cmd: Command) => run(cmd, async (ctx) => (await import('./runs')).listCommand(opts, ctx)));

  program
    .command('cancel')
    .description('cancel a recovery or migration gracefully (in-flight targets finish or are marked cancelled; backups are kept)')
    .argument('<id>', 'workflow ID')
    .option('--reason <text>', 'why, for the audit trail (migrations)')
    .action((id: string, opts, cmd: Command) => run(cmd, async (ctx) => (await import('./runs')).cancelCommand(id, opts, ctx)));

  program
    .command('approve')
    .description('approve releasing (deleting) the backups of a recovery that waits for approval')
    .argument('<id>', 'workflow ID')
    .addOption(operatorOption('--by <who>', 'approver, for the audit trail'))
    .option('--note <text>', 'note, for the audit trail')
    .action((id: string, opts, cmd: Command) => run(cmd, async (ctx) => (await import('./runs')).approveCommand(id, opts, ctx)));

  program
    .command('pause')
    .description('pause a recovery between chunks or a migration between children (nothing new is submitted)')
    .argument('<id>', 'workflow ID')
    .option('--reason <text>', 'why, for the audit trail')
    .action((id: string, opts, cmd: Command) => run(cmd, async (ctx) => (await import('./runs')).pauseCommand(id, opts, ctx)));

  program
    .command('resume')
    .description('resume a paused recovery or migration')
    .argument('<id>', 'workflow ID')
    .action((id: string, _opts, cmd: Command) => run(cmd, async (ctx) => (await import('./runs')).resumeCommand(id, ctx)));

  program
    .command('window')
    .description('change how many recoveries a migration runs at once')
    .argument('<id>', 'workflow ID of the migration')
    .argument('<n>', 'recoveries at once')
    .action((id: string, n: string, _opts, cmd: Command) => run(cmd, async (ctx) => (await import('./runs')).windowCommand(id, n, ctx)));

  program
    .command('report')
    .description('print the per-instance report of a recovery or a finished migration as JSON or CSV')
    .argument('<id>', 'workflow ID')
    .option('--format <format>', 'json | csv', 'json')
    .option('--out <file>', 'write to a file instead of stdout')
    .action((id: string, opts, cmd: Command) => run(cmd, async (ctx) => (await import('./runs')).reportCommand(id, opts, ctx)));

  // ---- fleets ---------------------------------------------------------------------------------------------
  program
    .command('migrate')
    .description('run a bulk migration from a plan (JSON or CSV) as a bulkMigration workflow')
    .requiredOption('--plan <file>', 'plan file: .json (items) or .csv (backupFileId,instanceId rows)')
    .option('--window <n>', 'max concurrent recoveries')
    .option('--request-id <id>', 'idempotency key: the same ID always means the same migration')
    .option('--wait', 'follow progress until the migration ends; exit non-zero unless every instance verified')
    .action((opts, cmd: Command) => run(cmd, async (ctx) => (await import('./migrate')).migrateCommand(opts, ctx)));

  const schedule = program.command('schedule').description('manage Temporal Schedules that run bulk migrations');
  schedule
    .command('create')
    .description('create a schedule that runs a migration plan on a cron or interval')
    .argument('<id>', 'schedule ID')
    .requiredOption('--plan <file>', 'plan file (.json or .csv)')
    .option('--cron <expr>', 'cron expression (UTC unless --timezone)')
    .option('--every <duration>', 'interval, e.g. 1h, 30m, 1d')
    .option('--overlap <policy>', 'skip (default) | buffer-one | buffer-all | cancel-other | terminate-other | allow-all')
    .option('--window <n>', 'max concurrent recoveries per run')
    .option('--paused', 'create paused')
    .option('--note <text>', 'note shown with the schedule')
    .action((id: string, opts, cmd: Command) => run(cmd, async (ctx) => (await import('./schedule')).scheduleCreate(id, opts, ctx)));
  schedule
    .command('list')
    .description('list migration schedules')
    .action((_opts, cmd: Command) => run(cmd, async (ctx) => (await import('./schedule')).scheduleList(ctx)));
  schedule
    .command('describe')
    .description('show a schedule: spec, state, recent and next runs')
    .argument('<id>', 'schedule ID')
    .action((id: string, _opts, cmd: Command) => run(cmd, async (ctx) => (await import('./schedule')).scheduleDescribe(id, ctx)));
  schedule
    .command('pause')
    .description('pause a schedule')
    .argument('<id>', 'schedule ID')
    .option('--note <text>', 'why')
    .action((id: string, opts, cmd: Command) => run(cmd, async (ctx) => (await import('./schedule')).schedulePause(id, opts, ctx)));
  schedule
    .command('unpause')
    .description('unpause a schedule')
    .argument('<id>', 'schedule ID')
    .option('--note <text>', 'why')
    .action((id: string, opts, cmd: Command) => run(cmd, async (ctx) => (await import('./schedule')).scheduleUnpause(id, opts, ctx)));
  schedule
    .command('trigger')
    .description('run a schedule\'s action now')
    .argument('<id>', 'schedule ID')
    .option('--overlap <policy>', 'overlap policy for this run')
    .action((id: string, opts, cmd: Command) => run(cmd, async (ctx) => (await import('./schedule')).scheduleTrigger(id, opts, ctx)));
  schedule
    .command('backfill')
    .description('run the actions a schedule would have taken between two times')
    .argument('<id>', 'schedule ID')
    .requiredOption('--start <time>', 'ISO 8601 start')
    .requiredOption('--end <time>', 'ISO 8601 end')
    .option('--overlap <policy>', 'overlap policy for the backfilled runs')
    .action((id: string, opts, cmd: Command) => run(cmd, async (ctx) => (await import('./schedule')).scheduleBackfill(id, opts, ctx)));
  schedule
    .command('delete')
    .description('delete a schedule (running migrations go on)')
    .argument('<id>', 'schedule ID')
    .action((id: string, _opts, cmd: Command) => run(cmd, async (ctx) => (await import('./schedule')).scheduleDelete(id, ctx)));

  for (const cmd of [program, ...program.commands, ...schedule.commands]) {
    cmd.exitOverride().configureOutput({ outputError });
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const json = wantsJson(argv);
  const program = buildProgram(json);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version exit 0; usage errors (already printed as one line by commander) are bad input.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      if (err.exitCode === 0) return EXIT.ok;
      return EXIT.invalidInput;
    }
    const reported = describeCliError(err);
    process.stderr.write(formatCliError(reported, json));
    return reported.exitCode;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
