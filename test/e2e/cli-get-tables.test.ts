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
import { itPrintsTables, KCTL_GET_TABLES } from "../helpers/table-pins.js";
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

describe("kctl get prints each core kind's table", () => {
  itPrintsTables(KCTL_GET_TABLES, get);
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
      expect(tableLines(out)).toEqual(KCTL_GET_TABLES.services!.plain);
    } finally {
      await w.kill();
    }
  });
});
