/** The demo board: a release pipeline of a few hundred tasks with every interesting shape. */
import type { CreateNodeInput } from '../../src/index.js'

export function demoDag(modules = 20, testsPerModule = 10, lintFiles = 50): CreateNodeInput[] {
  const n: CreateNodeInput[] = [{ ref: 'plan', title: 'Plan the release', priority: 10, metadata: { kind: 'work' } }]
  for (let m = 1; m <= modules; m++) {
    n.push({ ref: `build-${m}`, title: `Build module ${m}`, dependsOn: ['plan'], metadata: { kind: 'work' } })
    for (let t = 1; t <= testsPerModule; t++) {
      n.push({ ref: `test-${m}-${t}`, title: `Test module ${m} suite ${t}`, dependsOn: [`build-${m}`], metadata: { kind: 'work' } })
    }
    // a diamond per module: its tests fan back in before integration
    n.push({
      ref: `verify-${m}`,
      title: `Verify module ${m}`,
      dependsOn: Array.from({ length: testsPerModule }, (_, i) => `test-${m}-${i + 1}`),
      metadata: { kind: 'work' },
    })
  }
  n.push({
    ref: 'integrate',
    title: 'Integrate all modules',
    priority: 5,
    dependsOn: Array.from({ length: modules }, (_, i) => `verify-${i + 1}`),
    metadata: { kind: 'work' },
  })
  n.push({ ref: 'security', title: 'Security review of the release', dependsOn: ['integrate'], assignee: 'coder', metadata: { kind: 'review' } })
  n.push({ ref: 'package', title: 'Package artifacts', dependsOn: ['security'], metadata: { kind: 'work' } })
  n.push({ ref: 'upload', title: 'Upload to the mirror (flaky)', dependsOn: ['package'], metadata: { kind: 'flaky' } })
  n.push({ ref: 'notes', title: 'Write release notes', dependsOn: ['package'], metadata: { kind: 'human' } })
  n.push({ ref: 'announce', title: 'Announce the release', dependsOn: ['upload', 'notes'], metadata: { kind: 'work' } })
  for (let f = 1; f <= lintFiles; f++) n.push({ ref: `lint-${f}`, title: `Lint file ${f}`, priority: -1, metadata: { kind: 'work' } })
  return n
}
