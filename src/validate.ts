/**
 * zod at the boundary: `parse(op, schema, input)` returns the resolved value or throws a
 * ValidationError whose message names the field, what was expected and what was given —
 * "createTask: title: expected a non-empty string of at most 500 characters, got \"\"".
 */
import { safeParse, type z } from 'zod/mini'
import { ValidationError, show } from './errors.js'

type Issue = z.core.$ZodIssue

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}

function expectation(issue: Issue): string {
  if (issue.message.startsWith('expected')) return issue.message
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}`
    case 'too_big': {
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''
      return `expected at most ${String(issue.maximum)}${unit}`
    }
    case 'too_small': {
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'expected a non-empty string'
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''
      return `expected at least ${String(issue.minimum)}${unit}`
    }
    case 'unrecognized_keys':
      return `expected no field named ${issue.keys.join(', ')}`
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    default:
      return `expected ${issue.message}`
  }
}

/** `title`, `parents[2]`, and for a bare array input `nodes[2].title` (root = 'nodes'). */
function fieldName(path: readonly PropertyKey[], root: string): string {
  if (path.length === 0) return root
  let out = typeof path[0] === 'number' ? root : ''
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : `${out ? '.' : ''}${String(k)}`
  return out
}

/** `root` names the input itself when it is a bare value (a task id, a board name). */
export function parse<S extends z.core.$ZodType>(op: string, schema: S, input: unknown, root = 'input'): z.output<S> {
  const r = safeParse(schema, input)
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  const field = fieldName(issue.path, root)
  const got = issue.code === 'unrecognized_keys' ? show(valueAt(input, [...issue.path, issue.keys[0]!])) : show(valueAt(input, issue.path))
  throw new ValidationError('INVALID_INPUT', `${op}: ${field}: ${expectation(issue)}, got ${got}`, {
    field,
    issues: r.error.issues,
  })
}
