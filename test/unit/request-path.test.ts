import { describe, expect, it } from "vitest";
import { parseRequestPath } from "../../apiserver/routes/request-path.js";

describe("parseRequestPath", () => {
  const canonical: [url: string, path: string][] = [
    ["/", "/"],
    ["/api/v1/nodes", "/api/v1/nodes"],
    ["/api/v1/nodes/", "/api/v1/nodes"],
    ["/api/v1/nodes?dryRun=All&x=/../%2F", "/api/v1/nodes"],
    ["/api/v1/node%73", "/api/v1/nodes"],
    ["/api/v1/%6eode%73", "/api/v1/nodes"],
    ["/apis/coordination.k8s.io/v1/namespaces/kube%2Dnode%2dlease/leases", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"],
    ["/api/v1/namespaces/default/configmaps/a%3Ab", "/api/v1/namespaces/default/configmaps/a:b"],
    ["/health%7A", "/healthz"],
  ];
  it.each(canonical)("%s reads as %s", (url, path) => {
    const p = parseRequestPath(url);
    expect(typeof p).toBe("object");
    if (typeof p === "object") expect(p.path).toBe(path);
  });

  const refused: [url: string, why: RegExp][] = [
    ["/api/v1//nodes", /empty path segment/],
    ["//api/v1/nodes", /empty path segment/],
    ["/api//v1/nodes", /empty path segment/],
    ["/api/v1/nodes//", /empty path segment/],
    ["/api/v1/./nodes", /dot segment/],
    ["/api/v1/x/../nodes", /dot segment/],
    ["/api/v1/%2E/nodes", /dot segment/],
    ["/api/v1/x/%2e%2E/nodes", /dot segment/],
    ["/api/v1/nodes/.", /dot segment/],
    ["/api%2Fv1/nodes", /encoded slash/],
    ["/api/v1%2fnodes", /encoded slash/],
    ["/api/v1/node%2573", /double encoding/],
    ["/api/v1/nodes%00", /control character/],
    ["/api/v1/nodes%0A", /control character/],
    ["/api/v1%5Cnodes", /backslash/],
    ["/api/v1\\nodes", /backslash/],
    ["/api/v1/nodes%zz", /malformed percent-encoding/],
    ["/api/v1/nodes%E0%A4", /malformed percent-encoding/],
    ["/api/v1/nodes#x", /fragment/],
    ["http://example/api/v1/nodes", /must start with \//],
    ["*", /must start with \//],
  ];
  it.each(refused)("%s is refused", (url, why) => {
    const p = parseRequestPath(url);
    expect(typeof p).toBe("string");
    expect(p).toMatch(why);
  });
});
