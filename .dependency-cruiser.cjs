/**
 * Module boundaries, checked in CI (`npm run lint`). The layering (docs/architecture.md):
 *   models/                 schemas only; imports nothing from server/
 *   server/kernel/          shared kernel (errors, actor, clock, events, caches, validation, jobs)
 *   server/http/            web plumbing; never a domain
 *   libraries               markdown, privacy, calendar, text-analysis, content-rules, images, ocr, mail
 *   domains                 auth, threads, messages, feedback, support, search, notifications, audit, ...
 *                           another domain is reached only through its entry (index.ts)
 *   composition             server/compose.ts, app.ts, main.ts, cli.ts, demo.ts, cli/
 *   server/db/embedded/     a component with one public entry (index.ts)
 */
const DOMAINS = '(auth|threads|messages|feedback|support|search|notifications|audit|accounts|moderation|uploads|admin)';

module.exports = {
  forbidden: [
    {
      name: 'models-are-schemas-only',
      comment: 'models/ never imports server/ (schemas and small document helpers only).',
      severity: 'error',
      from: { path: '^models/' },
      to: { path: '^server/' },
    },
    {
      name: 'http-is-plumbing',
      comment: 'server/http/ is cross-cutting web plumbing: it never imports a domain.',
      severity: 'error',
      from: { path: '^server/http/' },
      to: { path: `^server/${DOMAINS}/` },
    },
    {
      name: 'kernel-depends-on-nothing',
      comment: 'The shared kernel imports no domain, no library and no web plumbing.',
      severity: 'error',
      from: { path: '^server/kernel/' },
      to: { path: '^server/', pathNot: ['^server/kernel/', '^server/config\\.ts$'] },
    },
    {
      name: 'libraries-depend-on-no-domain',
      comment: 'Libraries (markdown, privacy, calendar, text analysis, content rules, images, OCR, mail) serve domains, never the reverse.',
      severity: 'error',
      from: { path: '^server/(markdown|privacy|calendar|text-analysis|content-rules|images|ocr|mail)/' },
      to: { path: `^server/(${DOMAINS.slice(1, -1)}|http)/` },
    },
    {
      name: 'domain-through-entry',
      comment: 'A domain imports another domain only through its public entry (index.ts).',
      severity: 'error',
      from: { path: '^server/([^/]+)/' },
      to: { path: `^server/${DOMAINS}/`, pathNot: ['^server/$1/', '^server/[^/]+/index\\.ts$'] },
    },
    {
      name: 'composition-through-entry',
      comment: 'The composition root and the CLI reach domains through their entries too.',
      severity: 'error',
      from: { path: '^server/(compose|app|main|cli|demo)\\.ts$|^server/cli/' },
      to: { path: `^server/${DOMAINS}/`, pathNot: '^server/[^/]+/index\\.ts$' },
    },
    {
      name: 'embedded-db-entry-only',
      comment: 'Nothing outside the embedded database imports its internals (its own tests and benchmarks may).',
      severity: 'error',
      from: { path: '^(server|models|test)/', pathNot: ['^server/db/embedded/', '^test/embedded-db/'] },
      to: { path: '^server/db/embedded/', pathNot: '^server/db/embedded/index\\.ts$' },
    },
    {
      name: 'no-domain-cycles',
      comment: "The forum's modules form a DAG: no circular imports (a cycle through type-only imports is harmless).",
      severity: 'error',
      from: { path: '^server/', pathNot: '^server/db/embedded/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
    exclude: { path: '^(node_modules|build|data)/' },
  },
};
