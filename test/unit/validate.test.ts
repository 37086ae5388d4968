import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { parse } from '../../src/validate.js'
import { ValidationError } from '../../src/errors.js'
import * as S from '../../src/schemas.js'

/** The message parse() throws for this input. */
function message(schema: z.core.$ZodType, input: unknown, op = 'op', root?: string): string {
  try {
    parse(op, schema, input, root)
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError)
    expect((e as ValidationError).code).toBe('INVALID_INPUT')
    return (e as ValidationError).message
  }
  throw new Error('parse accepted the input')
}

describe('parse: messages name the field, what was expected and what was given', () => {
  it('returns the parsed value on success (trimmed, lower-cased)', () => {
    expect(parse('createTask', S.CreateTaskInput, { title: '  hi  ', assignee: ' Coder ' })).toEqual({ title: 'hi', assignee: 'coder' })
  })

  it('an empty title', () => {
    expect(message(S.CreateTaskInput, { title: '' }, 'createTask')).toBe('createTask: title: expected a non-empty string of at most 500 characters, got ""')
    // "got" shows what the caller sent, not the trimmed value
    expect(message(S.CreateTaskInput, { title: '   ' })).toBe('op: title: expected a non-empty string of at most 500 characters, got "   "')
  })

  it('a wrong type', () => {
    expect(message(S.CreateTaskInput, { title: 'x', priority: 'high' })).toBe('op: priority: expected number, got "high"')
    expect(message(S.CreateTaskInput, { title: 'x', priority: 1.5 })).toBe('op: priority: expected an integer, got 1.5')
  })

  it('a number out of range uses the schema wording', () => {
    expect(message(S.CreateTaskInput, { title: 'x', maxRetries: 0 })).toBe('op: maxRetries: expected an integer from 1 to 1000, got 0')
    expect(message(S.SettingsInput, { claimTtlMs: 10 })).toBe('op: claimTtlMs: expected at least 1000, got 10')
  })

  it('an enum lists the allowed values', () => {
    expect(message(S.BlockInput, { reason: 'r', kind: 'bogus' })).toBe(
      'op: kind: expected one of "dependency", "needs_input", "capability", "transient", got "bogus"',
    )
  })

  it('an unknown field is named, with its value', () => {
    expect(message(S.CreateTaskInput, { title: 'x', colour: 'red' })).toBe('op: input: expected no field named colour, got "red"')
  })

  it('nested paths: array indexes in brackets, fields dot-joined; a bare array is named by its root', () => {
    const Batch = z.object({ nodes: z.array(z.object({ title: S.title })) })
    expect(message(Batch, { nodes: [{ title: 'a' }, { title: 'b' }, { title: 7 }] }, 'createTasks')).toBe(
      'createTasks: nodes[2].title: expected a non-empty string of at most 500 characters, got 7',
    )
    expect(
      message(
        S.CreateNodes,
        [
          { ref: 'a', title: 'x' },
          { ref: 'b', title: 'y' },
          { ref: 'c', title: '' },
        ],
        'createTasks',
        'nodes',
      ),
    ).toBe('createTasks: nodes[2].title: expected a non-empty string of at most 500 characters, got ""')
    expect(message(S.CreateTaskInput, { title: 'x', parents: ['t1', 'bad id!'] })).toBe(
      'op: parents[1]: expected a task id (letters, digits, _ . -), got "bad id!"',
    )
  })

  it('sizes: strings in characters, arrays in items; long values are cut', () => {
    expect(message(S.CreateTaskInput, { title: 'x', parents: Array(1001).fill('t1') })).toMatch(
      /^op: parents: expected at most 1000 items, got \["t1",.*\.\.\.\(5006 chars\)$/,
    )
    expect(message(S.taskId, 'x'.repeat(100), 'getTask', 'id')).toMatch(/^getTask: id: expected at most 64 characters, got "x{76}\.\.\.\(102 chars\)$/)
  })

  it('a bare value is named by root (default "input")', () => {
    expect(message(S.CreateTaskInput, undefined)).toBe('op: input: expected object, got undefined')
    expect(message(S.taskId, 'no spaces', 'claimTask', 'id')).toBe('claimTask: id: expected a task id (letters, digits, _ . -), got "no spaces"')
  })

  it('a refinement on the whole object', () => {
    expect(message(S.UpdateInput, {}, 'updateTask')).toBe('updateTask: input: expected at least one field to update, got {}')
  })

  it('details carry the field and every zod issue', () => {
    try {
      parse('op', S.CreateTaskInput, { title: '', priority: 'x' })
      expect.unreachable()
    } catch (e) {
      const v = e as ValidationError
      expect(v.details.field).toBe('title')
      expect((v.details.issues as unknown[]).length).toBe(2)
    }
  })
})
