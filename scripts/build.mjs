#!/usr/bin/env node
// `npm run build`: the library as JavaScript with declarations in dist/ (tsc, which leaves
// src/cli to the bundle: tsconfig.build.json), the Lua sources the script runner loads at run
// time (dist/lua, next to dist/scripts.js), and the `kanban` bin as a bundle (dist/cli/,
// scripts/bundle-cli.mjs).
import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleCli } from './bundle-cli.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
rmSync(dist, { recursive: true, force: true })
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
cpSync(join(root, 'src', 'lua'), join(dist, 'lua'), { recursive: true })
await bundleCli(root)
chmodSync(join(dist, 'cli', 'kanban.js'), 0o755)
