// The session id and token live in sessionStorage: they survive a reload of
// this tab (so the page can rebuild the conversation) and die with the tab.

const KEY = 'claude-gateway-demo:session';

/** What the page keeps to reattach to its session. */
export interface SavedSession {
  id: string;
  token?: string;
}

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined; // storage disabled: the page still works, without reload recovery
  }
}

/** The saved session, if any and well-formed. */
export function loadSavedSession(): SavedSession | undefined {
  const raw = storage()?.getItem(KEY);
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<SavedSession>;
    if (typeof value.id !== 'string' || value.id === '') return undefined;
    return typeof value.token === 'string'
      ? { id: value.id, token: value.token }
      : { id: value.id };
  } catch {
    return undefined;
  }
}

/** Saves (or, with `undefined`, forgets) the session. */
export function saveSession(session: SavedSession | undefined): void {
  const store = storage();
  if (!store) return;
  if (session) store.setItem(KEY, JSON.stringify(session));
  else store.removeItem(KEY);
}
