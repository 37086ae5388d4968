import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { connectionSettings, redactText, redactUrl } from '../../src/connection.js'

describe('redactUrl', () => {
  it('masks the password and the query of a URL, and anything before an @ in text that is no URL', () => {
    expect(redactUrl('redis://user:s3cret@host:6380/2')).toBe('redis://user:***@host:6380/2')
    expect(redactUrl('rediss://:s3cret@host')).toBe('rediss://:***@host')
    expect(redactUrl('redis://host:6379?password=s3cret')).toBe('redis://host:6379?***')
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379')
    expect(redactUrl('redis//user:s3cret@host')).not.toContain('s3cret')
    expect(redactText('cannot reach redis://a:s3cret@h:1 now')).toBe('cannot reach redis://a:***@h:1 now')
  })
})

describe('connectionSettings', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kanban-conn-'))
  const file = path.join(dir, 'pw')
  writeFileSync(file, 'from-file\n')
  const ca = path.join(dir, 'ca.crt')
  writeFileSync(ca, 'CA')

  it('takes the password from the URL, KANBAN_REDIS_PASSWORD or the file, and leaves none in the URL it passes on', () => {
    expect(connectionSettings('redis://u:p%40ss@h:1/3', {})).toEqual({ url: 'redis://h:1/3', options: { username: 'u', password: 'p@ss' } })
    expect(connectionSettings('redis://h:1', { KANBAN_REDIS_PASSWORD: 'env' }).options).toEqual({ password: 'env' })
    expect(connectionSettings('redis://worker@h:1', { KANBAN_REDIS_PASSWORD_FILE: file }).options).toEqual({ username: 'worker', password: 'from-file' })
  })

  it('TLS for rediss://, with the CA file when given', () => {
    expect(connectionSettings('rediss://h:1', {}).options).toEqual({ tls: {} })
    expect(connectionSettings('rediss://h:1', { KANBAN_REDIS_CA_FILE: ca }).options).toEqual({ tls: { ca: Buffer.from('CA') } })
  })

  it('refuses ambiguous or broken settings with a coded error naming the variable, never quoting a password', () => {
    const cases: [string, Record<string, string>, string][] = [
      ['redis://:inurl@h', { KANBAN_REDIS_PASSWORD: 'x' }, 'KANBAN_REDIS_PASSWORD'],
      ['redis://h', { KANBAN_REDIS_PASSWORD: 'x', KANBAN_REDIS_PASSWORD_FILE: file }, 'KANBAN_REDIS_PASSWORD'],
      ['redis://h', { KANBAN_REDIS_PASSWORD_FILE: path.join(dir, 'missing') }, 'KANBAN_REDIS_PASSWORD_FILE'],
      ['redis://:inurl@h', { KANBAN_REDIS_CA_FILE: ca }, 'KANBAN_REDIS_CA_FILE'],
      ['rediss://h', { KANBAN_REDIS_CA_FILE: path.join(dir, 'missing') }, 'KANBAN_REDIS_CA_FILE'],
      ['http://:inurl@h', {}, 'redis'],
    ]
    for (const [url, env, field] of cases) {
      let e: { code?: string; details?: { field?: string }; message: string } | undefined
      try {
        connectionSettings(url, env)
      } catch (x) {
        e = x as never
      }
      expect(e?.code, url).toBe('INVALID_INPUT')
      expect(e?.details?.field).toBe(field)
      expect(e?.message).toContain(field)
      expect(e?.message).not.toContain('inurl')
    }
    rmSync(dir, { recursive: true, force: true })
  })
})
