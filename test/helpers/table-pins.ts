/**
 * What `kctl get RESOURCE -n tables` prints (and `... -o wide`) for the objects of
 * table-fixtures.ts, read back into cells by table-text.ts. Pinned before the per-kind printers
 * moved to lib/printers, and unchanged by it; `kubectl get` against kctl prints the same tables
 * but for events (test/integration/apiserver-table-printers.test.ts).
 */

import { expect, it } from "vitest";
import { TABLES_NS } from "./table-fixtures.js";

/** A resource's table and its `-o wide` table ("same": the kind has no wide columns). */
export type PinnedTables = Record<string, { plain: string[]; wide: string[] | "same" }>;

export const KCTL_GET_TABLES: PinnedTables = {
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

/** One test per resource: `get(RESOURCE -n tables)` and `get(... -o wide)` read back as `tables` says. */
export function itPrintsTables(tables: PinnedTables, get: (...args: string[]) => Promise<string[]>): void {
  for (const [resource, want] of Object.entries(tables)) {
    it(resource, async () => {
      expect(await get(resource, "-n", TABLES_NS)).toEqual(want.plain);
      expect(await get(resource, "-n", TABLES_NS, "-o", "wide")).toEqual(want.wide === "same" ? want.plain : want.wide);
    });
  }
}
