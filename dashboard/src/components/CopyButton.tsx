/** Copies a text (a CLI command) to the clipboard, and says so. */
import { useState } from 'react'

async function copy(text: string): Promise<void> {
  // the Clipboard API needs a secure context (https or localhost); elsewhere, the old way
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text)
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.opacity = '0'
  document.body.appendChild(area)
  area.select()
  const ok = document.execCommand('copy')
  area.remove()
  if (!ok) throw new Error('the browser refused to copy')
}

export function CopyButton(props: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  return (
    <button
      type="button"
      className="copy"
      data-copy={props.text}
      onClick={() =>
        copy(props.text).then(
          () => setState('copied'),
          () => setState('failed'),
        )
      }
      onBlur={() => setState('idle')}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed — select the text' : props.label}
      <span className="visually-hidden" aria-live="polite">
        {state === 'copied' ? 'Copied to the clipboard' : ''}
      </span>
    </button>
  )
}
