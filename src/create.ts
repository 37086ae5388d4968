/** Turning a validated createTask / createTasks node into the createTasks script's argument. */
import type { CreateNodeArg } from './scripts.js'

export function jsonText(m: Record<string, unknown> | undefined): string | undefined {
  return m === undefined ? undefined : JSON.stringify(m)
}

type ParsedNode = {
  title: string
  body?: string
  assignee?: string
  priority?: number
  tenant?: string
  createdBy?: string
  maxRetries?: number
  maxRuntimeMs?: number
  idempotencyKey?: string
  triage?: boolean
  initialStatus?: 'blocked'
  runAt?: number
  metadata?: Record<string, unknown>
}

/** The script argument for one node; defaults (priority 0, not blocked, no parents) are left out. */
export function toNodeArg(ref: string, n: ParsedNode, parentIds: string[], parentRefs: string[]): CreateNodeArg {
  return {
    ref,
    title: n.title,
    body: n.body,
    assignee: n.assignee,
    priority: n.priority || undefined,
    tenant: n.tenant,
    createdBy: n.createdBy,
    maxRetries: n.maxRetries,
    maxRuntimeMs: n.maxRuntimeMs,
    idempotencyKey: n.idempotencyKey,
    triage: n.triage,
    blocked: n.initialStatus === 'blocked' || undefined,
    runAt: n.runAt,
    metadata: jsonText(n.metadata),
    parentIds: parentIds.length > 0 ? parentIds : undefined,
    parentRefs: parentRefs.length > 0 ? parentRefs : undefined,
  }
}
