import { slotStrategies, strategies, tenantContexts } from '../strategies/registry.js';
import { exitCodeOf, jsonErrorWriter, wantsJsonProgress } from './exit-codes.js';
import { parseArguments, type Invocation } from './program.js';

/** Runs what was asked; each command's module is loaded only when it runs. */
async function run(invocation: Invocation): Promise<number> {
  switch (invocation.command) {
    case 'run':
    case 'race': {
      const { runStrategies } = await import('./commands/run.js');
      return runStrategies(invocation.command, invocation.runs, invocation.config, invocation.flags);
    }
    case 'run-target': {
      const { runTargetCommand } = await import('./commands/run-target.js');
      return runTargetCommand(invocation.target, invocation.config, invocation.flags);
    }
    case 'load': {
      // A run against the target like run --target's, written as a part for evento merge.
      const [{ runTargetCommand }, { shardStart }] = await Promise.all([import('./commands/run-target.js'), import('./commands/load.js')]);
      return runTargetCommand(invocation.target, invocation.config, invocation.flags, shardStart(invocation.shard, invocation.startAt));
    }
    case 'audit': {
      const { auditCommand } = await import('./commands/audit.js');
      await auditCommand(invocation.flags);
      return 0;
    }
    case 'sweep': {
      const { sweepCommand } = await import('./commands/sweep.js');
      return sweepCommand(invocation.runs, invocation.plan, invocation.flags);
    }
    case 'report': {
      const { reportCommand } = await import('./commands/report.js');
      await reportCommand(invocation.inputs, invocation.flags);
      return 0;
    }
    case 'seed': {
      const { seedCommand } = await import('./commands/seed.js');
      await seedCommand(invocation.flags);
      return 0;
    }
    case 'serve': {
      const { serveCommand } = await import('./commands/serve.js');
      await serveCommand(invocation.flags);
      return 0;
    }
    case 'rebuild': {
      const { rebuildCommand } = await import('./commands/rebuild.js');
      await rebuildCommand(invocation.flags);
      return 0;
    }
    case 'compare': {
      const { compareCommand } = await import('./commands/compare.js');
      await compareCommand(invocation.base, invocation.next, invocation.flags);
      return 0;
    }
    case 'witness': {
      const { witnessCommand } = await import('./commands/witness.js');
      process.stdout.write(`${await witnessCommand(invocation.file)}\n`);
      return 0;
    }
    case 'merge': {
      const { mergeCommand } = await import('./commands/merge.js');
      await mergeCommand(invocation.parts, invocation.flags);
      return 0;
    }
    case 'strategies': {
      const { listStrategies } = await import('./commands/strategies.js');
      process.stdout.write(listStrategies(strategies, slotStrategies, invocation.flags.json ?? false, tenantContexts));
      return 0;
    }
  }
}

const writeErr = wantsJsonProgress(process.argv) ? jsonErrorWriter() : (text: string) => process.stderr.write(text);
try {
  process.exitCode = await run(await parseArguments(process.argv, writeErr));
} catch (error) {
  process.exitCode = exitCodeOf(error, writeErr);
}
