/**
 * `kctl get` prints each core kind's table exactly as it does (the headers, every cell, `-o wide`,
 * `--show-labels`, `-A`, several kinds at once, `--sort-by`, `-w`): a real API server with the
 * fixtures of test/helpers/table-fixtures.ts and real kctl processes. These tables are pinned:
 * a change to a printer (lib/printers) that changes what users see shows up here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kctl, startKctl } from "../helpers/cli.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createTableFixtures, TABLES_NS } from "../helpers/table-fixtures.js";
import { tableLines } from "../helpers/table-text.js";

let srv: TestServer;
const args = (...a: string[]) => ["--server", srv.url, "--token", srv.token, ...a];

async function getText(...a: string[]): Promise<string> {
  const r = await kctl(args("get", ...a));
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
}
const get = async (...a: string[]) => tableLines(await getText(...a));

beforeAll(async () => {
  srv = await startTestServer();
  await createTableFixtures(srv.client);
});
afterAll(async () => {
  await srv?.close();
});

/** `kctl get RESOURCE -n tables` and `... -o wide` ("same": no wide columns). */
const PINNED: Record<string, { plain: string[]; wide: string[] | "same" }> = {
  pods: {
    plain: [
      "NAME | READY | STATUS | RESTARTS | AGE",
      "pending | 0/1 | Pending | 0 | <age>",
      "web-0 | 1/2 | CrashLoopBackOff | 2 (15m ago) | <age>",
    ],
    wide: [
      "NAME | READY | STATUS | RESTARTS | AGE | IP | NODE | NOMINATED NODE | READINESS GATES",
      "pending | 0/1 | Pending | 0 | <age> | <none> | <none> | <none> | <none>",
      "web-0 | 1/2 | CrashLoopBackOff | 2 (15m ago) | <age> | 10.244.1.7 | node-a | node-b | <none>",
    ],
  },
  deployments: {
    plain: [
      "NAME | READY | UP-TO-DATE | AVAILABLE | AGE",
      "idle | 0/0 | 0 | 0 | <age>",
      "web | 2/3 | 1 | 2 | <age>",
    ],
    wide: [
      "NAME | READY | UP-TO-DATE | AVAILABLE | AGE | CONTAINERS | IMAGES | SELECTOR",
      "idle | 0/0 | 0 | 0 | <age> | c | busybox | app=idle",
      "web | 2/3 | 1 | 2 | <age> | app,log | busybox:1,busybox:2 | app=web,tier=front,track notin (beta,canary)",
    ],
  },
  replicasets: {
    plain: [
      "NAME | DESIRED | CURRENT | READY | AGE",
      "web-5d8f | 3 | 2 | 1 | <age>",
    ],
    wide: [
      "NAME | DESIRED | CURRENT | READY | AGE | CONTAINERS | IMAGES | SELECTOR",
      "web-5d8f | 3 | 2 | 1 | <age> | app | busybox:1 | app=web,tier=front",
    ],
  },
  services: {
    plain: [
      "NAME | TYPE | CLUSTER-IP | EXTERNAL-IP | PORT(S) | AGE",
      "a-cluster | ClusterIP | 10.96.0.50 | <none> | 80/TCP,53/UDP | <age>",
      "b-nodeport | NodePort | 10.96.0.51 | 192.0.2.1 | 80:30080/TCP | <age>",
      "c-lb | LoadBalancer | 10.96.0.52 | <pending> | 443:30443/TCP | <age>",
      "d-external | ExternalName | <none> | db.example.com | <none> | <age>",
      "e-headless | ClusterIP | None | <none> | 8080/TCP | <age>",
    ],
    wide: [
      "NAME | TYPE | CLUSTER-IP | EXTERNAL-IP | PORT(S) | AGE | SELECTOR",
      "a-cluster | ClusterIP | 10.96.0.50 | <none> | 80/TCP,53/UDP | <age> | app=web,tier=front",
      "b-nodeport | NodePort | 10.96.0.51 | 192.0.2.1 | 80:30080/TCP | <age> | app=web",
      "c-lb | LoadBalancer | 10.96.0.52 | <pending> | 443:30443/TCP | <age> | <none>",
      "d-external | ExternalName | <none> | db.example.com | <none> | <age> | <none>",
      "e-headless | ClusterIP | None | <none> | 8080/TCP | <age> | app=web",
    ],
  },
  endpoints: {
    plain: [
      "NAME | ENDPOINTS | AGE",
      "empty | <none> | <age>",
      "many | 10.244.1.1:80,10.244.1.2:80,10.244.1.1:9090 + 2 more... | <age>",
      "one | 10.244.3.3:8080 | <age>",
      "portless | 10.244.4.4 | <age>",
    ],
    wide: "same",
  },
  nodes: {
    plain: [
      "NAME | STATUS | ROLES | AGE | VERSION",
      "node-a | Ready | control-plane,worker | <age> | v1.30.0-kctl",
      "node-b | NotReady,SchedulingDisabled | <none> | <age> | ",
      "node-c | Unknown | <none> | <age> | ",
    ],
    wide: [
      "NAME | STATUS | ROLES | AGE | VERSION | INTERNAL-IP | EXTERNAL-IP | OS-IMAGE | KERNEL-VERSION | CONTAINER-RUNTIME",
      "node-a | Ready | control-plane,worker | <age> | v1.30.0-kctl | 192.168.1.10 | <none> | Debian GNU/Linux 12 | 6.1.0 | docker://27.1.1",
      "node-b | NotReady,SchedulingDisabled | <none> | <age> |  | <none> | 203.0.113.9 | <unknown> | <unknown> | <unknown>",
      "node-c | Unknown | <none> | <age> |  | <none> | <none> | <unknown> | <unknown> | <unknown>",
    ],
  },
  namespaces: {
    plain: [
      "NAME | STATUS | AGE",
      "default | Active | <age>",
      "kube-node-lease | Active | <age>",
      "kube-public | Active | <age>",
      "kube-system | Active | <age>",
      "tables | Active | <age>",
    ],
    wide: "same",
  },
  configmaps: {
    plain: [
      "NAME | DATA | AGE",
      "settings | 3 | <age>",
      "void | 0 | <age>",
    ],
    wide: "same",
  },
  secrets: {
    plain: [
      "NAME | TYPE | DATA | AGE",
      "creds | Opaque | 2 | <age>",
      "token | example.com/token | 1 | <age>",
    ],
    wide: "same",
  },
  events: {
    plain: [
      "LAST SEEN | TYPE | REASON | OBJECT | MESSAGE",
      "20m | Normal | Tidy | namespace | tidied",
      "15m (x4 over 60m) | Warning | BackOff | pod/web-0 | Back-off restarting failed container",
      "70m | Normal | Scheduled | pod/web-0 | Successfully assigned tables/web-0 to node-a",
    ],
    wide: [
      "LAST SEEN | TYPE | REASON | OBJECT | MESSAGE | SUBOBJECT | SOURCE | FIRST SEEN | COUNT | NAME",
      "20m | Normal | Tidy | namespace | tidied |  | tidier | 20m | 1 | ns.3",
      "15m (x4 over 60m) | Warning | BackOff | pod/web-0 | Back-off restarting failed container | spec.containers{app} | kubelet, node-a | 60m | 4 | web-0.1",
      "70m | Normal | Scheduled | pod/web-0 | Successfully assigned tables/web-0 to node-a |  | default-scheduler | 70m | 1 | web-0.2",
    ],
  },
  leases: {
    plain: [
      "NAME | HOLDER | AGE",
      "free |  | <age>",
      "leader | controller-1 | <age>",
    ],
    wide: "same",
  },
};

describe("kctl get prints each core kind's table", () => {
  for (const [resource, want] of Object.entries(PINNED)) {
    it(resource, async () => {
      expect(await get(resource, "-n", TABLES_NS)).toEqual(want.plain);
      expect(await get(resource, "-n", TABLES_NS, "-o", "wide")).toEqual(want.wide === "same" ? want.plain : want.wide);
    });
  }
});

describe("kctl get table options", () => {
  it("-A adds NAMESPACE first and --show-labels LABELS last, after the wide columns", async () => {
    expect(await get("pods", "-A", "-o", "wide", "--show-labels")).toEqual([
      "NAMESPACE | NAME | READY | STATUS | RESTARTS | AGE | IP | NODE | NOMINATED NODE | READINESS GATES | LABELS",
      "tables | pending | 0/1 | Pending | 0 | <age> | <none> | <none> | <none> | <none> | <none>",
      "tables | web-0 | 1/2 | CrashLoopBackOff | 2 (15m ago) | <age> | 10.244.1.7 | node-a | node-b | <none> | app=web",
    ]);
    expect(await get("leases", "-A")).toEqual(["NAMESPACE | NAME | HOLDER | AGE", "tables | free |  | <age>", "tables | leader | controller-1 | <age>"]);
    // cluster-scoped kinds get no NAMESPACE column
    expect(await get("nodes", "-A", "--show-labels")).toEqual([
      "NAME | STATUS | ROLES | AGE | VERSION | LABELS",
      "node-a | Ready | control-plane,worker | <age> | v1.30.0-kctl | kubernetes.io/role=worker,node-role.kubernetes.io/control-plane=",
      "node-b | NotReady,SchedulingDisabled | <none> | <age> |  | <none>",
      "node-c | Unknown | <none> | <age> |  | <none>",
    ]);
  });

  it("several kinds print one table each, names prefixed with their type", async () => {
    const text = await getText("deploy,rs", "-n", TABLES_NS);
    expect(text.split("\n\n").map(tableLines)).toEqual([
      ["NAME | READY | UP-TO-DATE | AVAILABLE | AGE", "deployment.apps/idle | 0/0 | 0 | 0 | <age>", "deployment.apps/web | 2/3 | 1 | 2 | <age>"],
      ["NAME | DESIRED | CURRENT | READY | AGE", "replicaset.apps/web-5d8f | 3 | 2 | 1 | <age>"],
    ]);
    // events have no NAME column first: their rows are not prefixed
    const events = (await getText("events,cm", "-n", TABLES_NS)).split("\n\n").map(tableLines);
    expect(events[0]![1]).toBe("20m | Normal | Tidy | namespace | tidied");
    expect(events[1]).toEqual(["NAME | DATA | AGE", "configmap/settings | 3 | <age>", "configmap/void | 0 | <age>"]);
  });

  it("--sort-by orders the rows, --no-headers drops the header", async () => {
    expect(await get("svc", "-n", TABLES_NS, "--sort-by", "{.spec.type}")).toEqual([
      "NAME | TYPE | CLUSTER-IP | EXTERNAL-IP | PORT(S) | AGE",
      "a-cluster | ClusterIP | 10.96.0.50 | <none> | 80/TCP,53/UDP | <age>",
      "e-headless | ClusterIP | None | <none> | 8080/TCP | <age>",
      "d-external | ExternalName | <none> | db.example.com | <none> | <age>",
      "c-lb | LoadBalancer | 10.96.0.52 | <pending> | 443:30443/TCP | <age>",
      "b-nodeport | NodePort | 10.96.0.51 | 192.0.2.1 | 80:30080/TCP | <age>",
    ]);
    const bare = await getText("secrets", "-n", TABLES_NS, "--no-headers");
    expect(bare).toMatch(/^creds\s+Opaque\s+2\s+\d+s\ntoken\s+example\.com\/token\s+1\s+\d+s\n$/);
  });

  it("-w prints the same table first", async () => {
    const w = startKctl(args("get", "svc", "-n", TABLES_NS, "-w"));
    try {
      const out = await w.waitFor((o) => /\ne-headless\s.*\n/.test(o));
      expect(tableLines(out)).toEqual(PINNED.services!.plain);
    } finally {
      await w.kill();
    }
  });
});
