// The `kanban` bin as an esbuild bundle (dist/cli/kanban.js and its chunks, all in dist/cli/):
// loading many small files from node_modules costs a short-lived process more than its
// work, so the CLI and what it uses (ioredis, zod, BullMQ) are bundled, and each command
// loads only its chunks — --help no Redis client, `show` no BullMQ (docs/cli.md). The
// library in dist/ (tsc) is untouched: library users and the container entrypoints load that.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { build } from 'esbuild'

/**
 * A module that finds files next to itself (scripts.ts: dist/lua) reads import.meta.url;
 * in the bundle that would be its chunk's URL, so it gets the URL its tsc output has in
 * dist/ (every chunk sits in dist/cli/, so one relative path fits wherever it lands).
 */
const selfUrl = (src, outdir, dist) => ({
  name: 'kanban-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(src + sep)) return undefined
      const text = await readFile(args.path, 'utf8')
      if (!text.includes('import.meta.url')) return undefined
      const js = join(dist, relative(src, args.path)).replace(/\.ts$/, '.js')
      const rel = relative(outdir, js).split(sep).join('/')
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' }
    })
  },
})

/**
 * lanes.ts needs only BullMQ's Queue: taken from its own module, a lane job's first add
 * skips loading what the package index also re-exports (the PostgreSQL backend, ~30% of
 * BullMQ's code). Where a BullMQ version moved that module, the index is used as before.
 */
const bullmqQueueOnly = (src) => ({
  name: 'kanban-bullmq-queue',
  setup(b) {
    b.onResolve({ filter: /^bullmq$/ }, async (args) => {
      if (args.importer !== join(src, 'lanes.ts') || args.pluginData === 'fallback') return undefined
      const r = await b.resolve('bullmq/dist/esm/classes/queue.js', { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'fallback' })
      return r.errors.length ? undefined : { path: r.path }
    })
  },
})

/**
 * Two packages BullMQ pulls in that a CLI process never uses, replaced in the bundle by a
 * module that fails when used (the library in dist/ keeps the real ones):
 * - msgpackr-extract: msgpackr's optional native decoder, which it looks for on the file
 *   system at load (~10 ms); msgpackr falls back to its JavaScript when loading it fails,
 *   and the CLI only encodes (a lane job's options);
 * - cron-parser (with luxon, ~250 kB): BullMQ's job schedulers parse cron patterns with it;
 *   the only scheduler here is the dispatcher's tick, an `every` interval.
 */
const STUBS = {
  'msgpackr-extract': "throw new Error('msgpackr-extract is not bundled in the kanban CLI')",
  'cron-parser': "export const CronExpressionParser = { parse() { throw new Error('cron patterns are not available in the kanban CLI bundle') } }",
}
const cliStubs = () => ({
  name: 'kanban-cli-stubs',
  setup(b) {
    b.onResolve({ filter: /^(msgpackr-extract|cron-parser)$/ }, (args) => ({ path: args.path, namespace: 'kanban-stub' }))
    b.onLoad({ filter: /.*/, namespace: 'kanban-stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }))
  },
})

/**
 * `kanban serve` runs the HTTP server from the library's build (dist/runtime/serve.js, tsc's
 * output beside the bundle), not from the bundle: bundled, the server's use of zod's JSON
 * Schema generator (the OpenAPI document) kept it, with zod's locales, in the chunk every
 * board command shares — a `kanban create` loaded ~860 kB instead of ~390 kB. The serve
 * command imports it at run time (and gives its errors the bundle's classes).
 */
const serveFromLibrary = (src) => ({
  name: 'kanban-serve-from-library',
  setup(b) {
    b.onResolve({ filter: /runtime\/serve\.js$/ }, (args) =>
      args.importer === join(src, 'cli', 'commands', 'serve.ts') ? { path: '../runtime/serve.js', external: true } : undefined,
    )
  },
})

export async function bundleCli(root) {
  const src = join(root, 'src')
  const dist = join(root, 'dist')
  const outdir = join(dist, 'cli')
  // tsc's per-module output of src/cli is replaced by the bundle (nothing imports it)
  rmSync(outdir, { recursive: true, force: true })
  const { metafile } = await build({
    absWorkingDir: root,
    metafile: true,
    entryPoints: [join(src, 'cli', 'kanban.ts')],
    outdir,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // names kept: stack traces of an unexpected error stay readable
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'linked',
    // ES modules where a package has both (BullMQ): import() then gets its named exports
    mainFields: ['module', 'main'],
    // yaml (create-dag only) is CommonJS for Node: Node's own import() of it keeps its
    // named exports; the rest are optional peers of BullMQ this project never uses
    external: ['yaml', 'pg', 'redis', '@valkey/valkey-glide', 'bullmq-otel', '@opentelemetry/*'],
    // bundled CommonJS (ioredis) calls require() for Node's modules
    banner: { js: "import{createRequire as __kanbanRequire}from'node:module';const require=__kanbanRequire(import.meta.url);" },
    plugins: [selfUrl(src, outdir, dist), bullmqQueueOnly(src), cliStubs(), serveFromLibrary(src)],
    logLevel: 'warning',
  })
  writeNotices(root, metafile, join(outdir, 'THIRD-PARTY-NOTICES.txt'))
  return dirname(outdir)
}

/** The bundle carries code of these packages: their names, versions and licence texts. */
function writeNotices(root, metafile, file) {
  const pkgs = new Set()
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (m) pkgs.add(m[1])
  }
  const parts = [...pkgs].sort().map((dir) => {
    const meta = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
    const lic = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)/i.test(f))
    const text = lic && existsSync(join(root, dir, lic)) ? readFileSync(join(root, dir, lic), 'utf8').trim() : `License: ${meta.license ?? 'see the package'}`
    return `${meta.name}@${meta.version} (${meta.license ?? '?'})\n\n${text}\n`
  })
  writeFileSync(file, `The kanban bin (dist/cli/) bundles code of these packages:\n\n${parts.join('\n---\n\n')}`)
}
