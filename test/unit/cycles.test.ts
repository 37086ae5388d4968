/**
 * No circular imports in src/: a module that needs a board's connection, script runner and
 * keys takes exactly those (docs/architecture.md), so nothing imports its way back into
 * the facade. Type-only imports are erased before the check (dpdm's transform), as they
 * are at run time; dynamic imports count.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCircular, parseDependencyTree } from 'dpdm'
import { describe, expect, it } from 'vitest'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')

const circularsIn = async (cwd: string, pattern: string) => {
  // the tsconfig resolves `./x.js` to x.ts (NodeNext)
  const tsconfig = join(cwd, 'tsconfig.json')
  const tree = await parseDependencyTree(pattern, { cwd, context: cwd, tsconfig, transform: true, skipDynamicImports: false })
  return { tree, circulars: parseCircular(tree) }
}

describe('imports', () => {
  it('src/ has no circular import (type-only imports ignored)', async () => {
    const { tree, circulars } = await circularsIn(ROOT, 'src/**/*.ts')
    // the check saw the library, with its imports resolved (not vacuous)
    expect(Object.keys(tree)).toEqual(expect.arrayContaining(['src/board.ts', 'src/worker.ts', 'src/dispatch.ts']))
    expect(tree['src/board.ts']!.map((d) => d.id)).toContain('src/keys.ts')
    // an import it could not resolve would hide any cycle through it
    const unresolved = Object.values(tree).flatMap((deps) => (deps ?? []).filter((d) => d.request.startsWith('.') && d.id === null))
    expect(unresolved.map((d) => `${d.issuer}: ${d.request}`)).toEqual([])
    expect(circulars.map((c) => c.join(' -> '))).toEqual([])
  })

  it('the check finds a value cycle and ignores a type-only one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kq-cycles-'))
    try {
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }))
      writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js'\nexport const a = () => b\n")
      writeFileSync(join(dir, 'b.ts'), "import { a } from './a.js'\nexport const b = () => a\n")
      writeFileSync(join(dir, 'c.ts'), "import type { D } from './d.js'\nexport type C = { d?: D }\nexport const c = 1\n")
      writeFileSync(join(dir, 'd.ts'), "import { c } from './c.js'\nexport type D = { c: typeof c }\n")
      const { circulars } = await circularsIn(dir, '*.ts')
      expect(circulars.map((c) => [...c].sort())).toEqual([['a.ts', 'b.ts']])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
