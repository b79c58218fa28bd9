/**
 * Which thread the panel opens: the one last open in this browser (localStorage), so a reload (or New chat, then a
 * reload) comes back to it. Ids are made here, like the AI SDK's chat ids; the server scopes them to the user.
 */
const KEY = 'copilot-thread';

export function newThreadId(): string {
  return crypto.randomUUID();
}

export function rememberedThread(): string | null {
  try {
    const id = window.localStorage.getItem(KEY);
    return id && /^[a-zA-Z0-9_-]{1,100}$/.test(id) ? id : null;
  } catch {
    return null; // Storage can be off (private mode, a policy): the panel then opens a new thread.
  }
}

export function rememberThread(id: string): void {
  try {
    window.localStorage.setItem(KEY, id);
  } catch {
    // Storage off: the choice lasts until the reload only.
  }
}
