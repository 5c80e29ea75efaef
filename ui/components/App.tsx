/**
 * The session: the login page until there is a token, then the dashboard. Any 401 (an expired or
 * revoked token) ends the session and shows the login page with the reason.
 */
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { Api } from "../api.js";
import { resetPermissions } from "../permissions.js";
import { clearSession, loadSession, saveSession, sessionFromFragment, type Session } from "../session.js";
import { Dashboard } from "./Dashboard.js";
import { Login } from "./Login.js";

/** How often an open view re-checks its token (a revoked token otherwise keeps its open watches). */
const SESSION_CHECK_MS = 5000;

/** The root: login page or dashboard, by session. */
export function App() {
  const [session, setSession] = useState<Session | undefined>(() => {
    const s = sessionFromFragment() ?? loadSession();
    if (s) saveSession(s);
    return s;
  });
  const [message, setMessage] = useState<string>("");

  const logout = useCallback((why: string) => {
    clearSession();
    resetPermissions();
    setSession(undefined);
    setMessage(why);
  }, []);

  const api = useMemo(
    () => (session ? new Api(session.token, (m) => logout(`Your token was refused (${m}): it has expired or was revoked. Log in again.`)) : undefined),
    [session, logout],
  );

  // The watches authenticate once, when they connect; this catches a token revoked since.
  useEffect(() => {
    if (!api) return;
    const check = () => void api.request("GET", "/api").catch(() => undefined);
    check();
    const t = setInterval(check, SESSION_CHECK_MS);
    window.addEventListener("focus", check);
    return () => {
      clearInterval(t);
      window.removeEventListener("focus", check);
    };
  }, [api]);

  if (!session || !api) {
    return (
      <Login
        message={message}
        onLogin={(s) => {
          saveSession(s);
          setMessage("");
          setSession(s);
        }}
      />
    );
  }
  return <Dashboard api={api} session={session} onLogout={() => logout("Logged out.")} />;
}
