// The dashboard (dashboard/, React + Vite) built into dist/dashboard/ — index.html and
// assets/ — which `kanban serve` serves (docs/dashboard.md). Its packages (React, React
// Flow, elkjs) are devDependencies: they ship inside the build, never as the library's
// dependencies. dist/dashboard/THIRD-PARTY-NOTICES.txt names each with its licence.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Collects the packages whose code the build took in. */
function packagesUsed(into) {
  return {
    name: 'kanban-packages-used',
    generateBundle() {
      for (const id of this.getModuleIds()) {
        const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(id.replace(/\\/g, '/').replace(/^\0/, ''))
        if (m) into.add(m[1])
      }
    },
  }
}

export async function buildDashboard(root) {
  const { build } = await import('vite')
  const used = new Set()
  const outDir = join(root, 'dist', 'dashboard')
  await build({
    configFile: join(root, 'dashboard', 'vite.config.ts'),
    logLevel: 'warn',
    plugins: [packagesUsed(used)],
    build: { outDir },
  })
  const parts = [...used].sort().map((dir) => {
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    const lic = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f))
    const text = lic && existsSync(join(dir, lic)) ? readFileSync(join(dir, lic), 'utf8').trim() : `License: ${meta.license ?? 'see the package'}`
    return `${meta.name}@${meta.version} (${meta.license ?? '?'})\n\n${text}\n`
  })
  writeFileSync(join(outDir, 'THIRD-PARTY-NOTICES.txt'), `The dashboard (dist/dashboard/) contains code of these packages:\n\n${parts.join('\n---\n\n')}`)
  return outDir
}
