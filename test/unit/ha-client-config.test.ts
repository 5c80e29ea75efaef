/**
 * The pure parts of HA clients: which API servers a config names, which failures move a client
 * to the next server, and the per-server admin kubeconfig (one cluster and context per server,
 * the current context on the writer, one server per cluster as kubectl requires).
 */
import { describe, expect, it } from "vitest";
import { ConnectionError, isFailoverError, serverList } from "../../lib/client.js";
import { ApiError } from "../../lib/errors.js";
import { clientConfigFromKubeconfig, makeClusterKubeconfig } from "../../lib/kubeconfig.js";

const netError = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe("serverList", () => {
  it("splits a comma list, trims, drops trailing slashes and repeats, then appends servers[]", () => {
    expect(serverList({ server: " https://a:6443/, https://b:6443 ,,", servers: ["https://c:6443", "https://a:6443"] })).toEqual(["https://a:6443", "https://b:6443", "https://c:6443"]);
    expect(serverList({ server: "https://a:6443" })).toEqual(["https://a:6443"]);
  });
});

describe("isFailoverError", () => {
  it.each([
    ["refused", new ConnectionError("s", netError("ECONNREFUSED")), true],
    ["reset", new ConnectionError("s", netError("ECONNRESET")), true],
    ["timed out", new ConnectionError("s", netError("ETIMEDOUT")), true],
    ["503", new ApiError("ServiceUnavailable", "etcd is gone"), true],
    ["certificate", new ConnectionError("s", netError("DEPTH_ZERO_SELF_SIGNED_CERT")), false],
    ["host not found", new ConnectionError("s", netError("ENOTFOUND")), true],
    ["404", new ApiError("NotFound", "no"), false],
    ["409", new ApiError("Conflict", "stale"), false],
    ["504 (the write may have happened)", new ApiError("Timeout", "etcd slow"), false],
  ] as const)("%s -> %s", (_what, err, want) => {
    expect(isFailoverError(err)).toBe(want);
  });
});

describe("makeClusterKubeconfig", () => {
  const servers = ["https://a:6443", "https://b:6444", "https://c:6445"];
  it("one cluster and context per server, current on the writer, each usable alone", () => {
    const kc = makeClusterKubeconfig({ servers, self: "https://b:6444", token: "T", caPem: "CA" });
    expect(kc.contexts.map((c) => c.name)).toEqual(["kctl-1", "kctl-2", "kctl-3"]);
    expect(kc["current-context"]).toBe("kctl-2");
    expect(kc.users).toEqual([{ name: "kctl-admin", user: { token: "T" } }]);
    for (const [i, s] of servers.entries()) {
      const c = clientConfigFromKubeconfig(kc, `kctl-${i + 1}`);
      expect(c.server).toBe(s);
      expect(c.token).toBe("T");
      expect(c.ca).toBe("CA");
    }
  });
  it("a writer not registered yet is added last", () => {
    const kc = makeClusterKubeconfig({ servers: servers.slice(0, 2), self: "https://c:6445", token: "T" });
    expect(kc.clusters.map((c) => c.cluster.server)).toEqual(servers);
    expect(kc["current-context"]).toBe("kctl-3");
  });
});
