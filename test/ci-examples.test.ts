import { readdir, readFile } from 'node:fs/promises';
import t from 'tap';
import { parse } from 'yaml';
import { runCli } from './helpers.js';

const folder = new URL('../../examples/ci/', import.meta.url);
const files = (await readdir(folder)).filter((name) => /\.ya?ml$/.test(name)).sort();

/** Every string in a parsed YAML document: the commands a CI job runs are among them. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsOf);
  return [];
}

/** `npx evento COMMAND --flag value …` as command and flag names, one per command line (backslash continuations joined). */
function eventoCommands(text: string): { command: string; flags: string[]; line: string }[] {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .flatMap((line) => {
      const match = /\bnpx evento\s+(\S+)(.*)$/.exec(line);
      if (!match?.[1]) return [];
      const flags = (match[2] ?? '').split(/\s+/).flatMap((word) => (/^--[a-z]/.test(word) ? [word.replace(/=.*$/, '')] : []));
      return [{ command: match[1], flags, line: line.trim() }];
    });
}

/** Flags that an example runs before this version of evento has them, each marked `# pending: --flag` so that a reader knows. */
const pendingFlags = (text: string) => [...text.matchAll(/^\s*# pending: (--[a-z-]+)/gm)].map(([, flag]) => flag ?? '');

const helpOf = new Map<string, Promise<string>>();
/** `evento COMMAND --help` (`evento --help` for ''), run once per command. */
function help(command: string): Promise<string> {
  const known =
    helpOf.get(command) ??
    runCli([...(command ? [command] : []), '--help'], { env: { DATABASE_URL: '' } }).then(({ code, stdout }) => (code === 0 ? stdout : ''));
  helpOf.set(command, known);
  return known;
}

t.ok(files.length >= 2, `examples/ci holds the workflows (${files.join(', ')})`);

for (const file of files) {
  t.test(file, async (t) => {
    const text = await readFile(new URL(file, folder), 'utf8');
    const document: unknown = parse(text, { prettyErrors: true });
    t.type(document, 'object', 'valid YAML, a mapping at the top');
    const commands = stringsOf(document).flatMap(eventoCommands);
    t.ok(commands.length > 0, 'it runs evento');
    const pending = pendingFlags(text);
    const topHelp = await help('');
    for (const { command, flags, line } of commands) {
      t.match(topHelp, new RegExp(`^\\s+${command}\\b`, 'm'), `evento --help lists ${command}`);
      const commandHelp = await help(command);
      for (const flag of flags) {
        const exists = new RegExp(`(^|[\\s,])${flag}([\\s,=<]|$)`, 'm').test(commandHelp);
        if (pending.includes(flag)) t.notOk(exists, `${flag} is marked pending; evento ${command} has it now: remove the mark`);
        else t.ok(exists, `evento ${command} --help lists ${flag} (in: ${line})`);
      }
      t.ok(flags.includes('--assert-no-overbooking'), `it gates on --assert-no-overbooking: ${line}`);
      const junit = /--junit[\s=](\S+)/.exec(line)?.[1];
      t.ok(junit, `it writes a JUnit file: ${line}`);
      t.ok(
        junit !== undefined && stringsOf(document).some((value) => value !== line && value.split('\n').some((path) => path.trim() === junit)),
        `${junit ?? 'the JUnit file'} is published`,
      );
    }
  });
}
