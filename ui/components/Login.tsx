/** The login page: paste a bearer token (and the namespace it is limited to, if any). */
import { useState } from "preact/hooks";
import type { Session } from "../session.js";

/** The login form; `message` says why the user is here (expired, revoked, logged out). */
export function Login(props: { message: string; onLogin: (s: Session) => void }) {
  const [token, setToken] = useState("");
  const [namespace, setNamespace] = useState("");
  return (
    <main class="login">
      <h1>kctl</h1>
      <p class="hint">
        Run <code>kctl dashboard</code> for a link that logs you in, or paste a token (<code>kctl token create --role view</code>).
      </p>
      {props.message && (
        <p class="login-message" role="alert">
          {props.message}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const t = token.trim();
          if (!t) return;
          const ns = namespace.trim();
          props.onLogin(ns ? { token: t, namespace: ns } : { token: t });
        }}
      >
        <label>
          Token
          <input name="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <label>
          Namespace <span class="hint">(only for a token limited to one)</span>
          <input name="namespace" value={namespace} onInput={(e) => setNamespace(e.currentTarget.value)} />
        </label>
        <button type="submit">Log in</button>
      </form>
    </main>
  );
}
