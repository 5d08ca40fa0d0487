// The layers, top to bottom: cmd → report → harness → server, client-sim → strategies → db → lib. Imports only go down.
const layers = '^(cmd|report|harness|server|client-sim|strategies|db|lib)/';
// Every source file lives in a folder with a place; bench/, test/, scripts/ and examples/ sit above all the layers.
// vendor/ holds the patched postgres.js that db/ loads, a package like those in node_modules/.
const known = ['^(cmd|report|harness|server|client-sim|strategies|db|lib|bench|test|scripts|examples)/', '^[^/]+$', 'node_modules/', '^vendor/'];
const ui = ['^cmd/tui/', '(^|/)node_modules/(ink|ink-[^/]+|react|react-[^/]+|@types/react)/'];

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
      name: 'report-not-cmd',
      severity: 'error',
      comment:
        'report/ turns results into an HTML file for any front end (the CLI, the bench): it reads harness/ and knows nothing of the command line.',
      from: { path: '^report/' },
      to: { path: '^cmd/' },
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
