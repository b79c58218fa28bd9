'use client';
import dynamic from 'next/dynamic';
import { useCallback, useEffect, useRef, useState } from 'react';

// The panel (AI SDK client, message rendering) loads on first open: it adds nothing to the first load of any page.
const CopilotPanel = dynamic(() => import('./copilot-panel'), {
  ssr: false,
  loading: () => (
    <aside className="copilot-panel" aria-label="Copilot">
      <p className="copilot-note">Loading the copilot…</p>
    </aside>
  ),
});

/**
 * The copilot button on every page, and the panel it opens: a sidebar that narrows the page on wide screens (the
 * page stays usable beside it, globals.css `html[data-copilot='open']`), a full-screen sheet on phones. Escape
 * closes it and gives focus back to the button.
 */
export function CopilotLauncher() {
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => setOpen(false), []);
  // Focus goes back to the button once it shows again (it is hidden while the panel is open).
  const wasOpen = useRef(false);
  useEffect(() => {
    if (wasOpen.current && !open) toggle.current?.focus();
    wasOpen.current = open;
  }, [open]);

  useEffect(() => {
    if (!open) return;
    document.documentElement.dataset.copilot = 'open';
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) close();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      delete document.documentElement.dataset.copilot;
      window.removeEventListener('keydown', onKey);
    };
  }, [open, close]);

  return (
    <>
      {open && <CopilotPanel onClose={close} />}
      <button
        ref={toggle}
        type="button"
        className="copilot-toggle"
        data-testid="copilot-toggle"
        aria-expanded={open}
        onClick={() => (open ? close() : setOpen(true))}
      >
        {open ? 'Close copilot' : '✦ Copilot'}
      </button>
    </>
  );
}
