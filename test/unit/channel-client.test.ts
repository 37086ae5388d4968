/**
 * The CLI's channel client stays light: everything the compiled dist/channel/client.js
 * loads, followed through every static and dynamic import, is Node built-ins and small
 * modules of ours — never ioredis, zod, bullmq or the Board (docs/handler-protocol.md).
 */
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const DIST = fileURLToPath(new URL('../../dist', import.meta.url))
const SPECIFIERS = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g

function graph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(SPECIFIERS)) {
      if (spec!.startsWith('.')) visit(resolve(dirname(file), spec!))
      else packages.add(spec!)
    }
  }
  visit(join(DIST, entry))
  return { files: [...files].map((f) => relative(DIST, f)).sort(), packages: [...packages].sort() }
}

describe('channel client', () => {
  it('loads only node built-ins and its own small modules', () => {
    const g = graph('channel/client.js')
    expect(g.files).toEqual(['channel/client.js', 'channel/protocol.js', 'errors.js'])
    expect(
      g.packages.every((p) => p.startsWith('node:')),
      g.packages.join(', '),
    ).toBe(true)
  })
})
