/**
 * A reader of Prometheus' text exposition format, enough for the metrics tests: samples by
 * name and labels. Fetches a /metrics URL and parses it; lines it cannot read fail the test.
 */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

export function parseExposition(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = LINE.exec(line)
    if (!m) throw new Error(`not an exposition line: ${JSON.stringify(line)}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\')
    out.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return out
}

export class Scrape {
  constructor(readonly samples: Sample[]) {}

  /** the sum of the samples of `name` whose labels include `labels` (0 with none) */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.matching(name, labels).reduce((a, s) => a + s.value, 0)
  }

  matching(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  }

  /** the one sample of `name` with `labels`, or undefined */
  get(name: string, labels: Record<string, string> = {}): number | undefined {
    const m = this.matching(name, labels)
    if (m.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${m.length} samples`)
    return m[0]?.value
  }
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url)
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`)
  if (!(res.headers.get('content-type') ?? '').startsWith('text/plain')) throw new Error(`GET ${url}: content-type ${res.headers.get('content-type')}`)
  return new Scrape(parseExposition(await res.text()))
}
