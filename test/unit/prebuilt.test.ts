/**
 * The build writes the Functions library into dist/lua (scripts/build.mjs), so a process
 * reads one file instead of assembling the library from ~50. What it reads must be what the
 * Lua files make, and src/ (no prebuilt file) still assembles it. The global setup builds dist/.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as fromSrc from '../../src/scriptLoader.js'

const DIST = join(dirname(fileURLToPath(import.meta.url)), '../../dist')

describe('the prebuilt Functions library', () => {
  it('is the library the Lua files make, and the one the built loader uses', async () => {
    const built = (await import(join(DIST, 'scriptLoader.js'))) as typeof fromSrc
    const file = readFileSync(join(DIST, 'lua', built.PREBUILT_LIBRARY), 'utf8')
    expect(file).toBe(built.assembledLibrary().code)
    expect(file).toBe(fromSrc.scriptLibrary().code) // src/lua and dist/lua make one library
    expect(built.scriptLibrary().code).toBe(file)
    expect(built.functionName('createTasks')).toBe(`kb_${fromSrc.scriptLibrary().tag}_createTasks`)
  })

  it('is no script: the script names are the same in src/lua and dist/lua', async () => {
    const built = (await import(join(DIST, 'scriptLoader.js'))) as typeof fromSrc
    expect(built.scriptNames()).toEqual(fromSrc.scriptNames())
  })
})
