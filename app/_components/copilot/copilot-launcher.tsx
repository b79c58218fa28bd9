'use client';
import dynamic from 'next/dynamic';
import { useState } from 'react';

// The panel (AI SDK client, message rendering) loads on first open: it adds nothing to the first load of any page.
const CopilotPanel = dynamic(() => import('./copilot-panel'), {
  ssr: false,
  loading: () => (
    <aside className="copilot-panel" aria-label="Copilot">
      <p className="copilot-note">Loading the copilot…</p>
    </aside>
  ),
});

/** The copilot button on every page, and the panel it opens. */
export function CopilotLauncher() {
  const [open, setOpen] = useState(false);
  return (
    <>
      {open && <CopilotPanel onClose={() => setOpen(false)} />}
      <button
        type="button"
        className="copilot-toggle"
        data-testid="copilot-toggle"
        aria-expanded={open}
        onClick={() => setOpen((value) => !value)}
      >
        {open ? 'Close copilot' : '✦ Copilot'}
      </button>
    </>
  );
}
