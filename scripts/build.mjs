#!/usr/bin/env node
// `npm run build`: the library as JavaScript with declarations in dist/ (tsc, which leaves
// src/cli to the bundle: tsconfig.build.json), the Lua sources the script runner loads at run
// time (dist/lua, next to dist/scripts.js, with the Functions library assembled), the `kanban` bin as a bundle (dist/cli/,
// scripts/bundle-cli.mjs), and the dashboard `kanban serve` serves (dist/dashboard/, scripts/build-dashboard.mjs).
import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildDashboard } from './build-dashboard.mjs'
import { bundleCli } from './bundle-cli.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
rmSync(dist, { recursive: true, force: true })
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
cpSync(join(root, 'src', 'lua'), join(dist, 'lua'), { recursive: true })
// the Functions library as the loader assembles it from those files, so a process reads one
// file instead of assembling ~50 (scriptLoader.ts#scriptLibrary)
const { scriptLibrary, PREBUILT_LIBRARY } = await import(join(dist, 'scriptLoader.js'))
writeFileSync(join(dist, 'lua', PREBUILT_LIBRARY), scriptLibrary().code)
await bundleCli(root)
chmodSync(join(dist, 'cli', 'kanban.js'), 0o755)
await buildDashboard(root)
