/**
 * The login: a bearer token (and optionally the namespace it is limited to), read from the URL
 * fragment that `kctl dashboard` prints (`/ui/#token=...&namespace=...`; a fragment is never sent
 * to the server nor in a Referer) or pasted on the login page, then kept in this tab's
 * sessionStorage only. The fragment is wiped from the address bar at once.
 */
const KEY = "kctl.session";

export interface Session {
  token: string;
  /** the namespace the token is limited to (watch only there); absent: all namespaces */
  namespace?: string;
}

/** The session carried by the URL fragment, if any (and clear the fragment). */
export function sessionFromFragment(): Session | undefined {
  const hash = location.hash.replace(/^#/, "");
  if (!hash) return undefined;
  const p = new URLSearchParams(hash);
  const token = p.get("token");
  history.replaceState(null, "", location.pathname + location.search);
  if (!token) return undefined;
  const namespace = p.get("namespace") || undefined;
  return namespace ? { token, namespace } : { token };
}

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
