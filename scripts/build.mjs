#!/usr/bin/env node
// `npm run build`: the library and the CLI as JavaScript with declarations in dist/, and the
// Lua sources the script runner loads at run time (dist/lua, next to dist/scripts.js).
import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
rmSync(dist, { recursive: true, force: true })
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
cpSync(join(root, 'src', 'lua'), join(dist, 'lua'), { recursive: true })
chmodSync(join(dist, 'cli', 'kanban.js'), 0o755)
