/**
 * The API server's Table answers (server-side printing, `Accept: application/json;as=Table;...`)
 * for the 11 core kinds follow Kubernetes' own printers (pkg/printers/internalversion): the real
 * kubectl against kctl prints what it prints against Kubernetes, `-o wide` included, from the
 * same lib/printers that `kctl get` reads (test/e2e/cli-get-tables.test.ts pins kctl's side).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createTableFixtures, TABLES_NS } from "../helpers/table-fixtures.js";
import { itPrintsTables, KCTL_GET_TABLES, type PinnedTables } from "../helpers/table-pins.js";
import { tableLines } from "../helpers/table-text.js";

let srv: TestServer;

beforeAll(async () => {
  assertKubectl("these tests check what the real kubectl prints from kctl's Table answers");
  srv = await startTestServer({ tls: true });
  await createTableFixtures(srv.client);
});
afterAll(async () => {
  await srv?.close();
});

async function kubectlGet(...args: string[]): Promise<string[]> {
  const r = await kubectlAgainst(srv, ["get", ...args]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return tableLines(r.stdout);
}

interface Table {
  columnDefinitions: { name: string; type: string; format: string; priority: number }[];
  rows: { cells: unknown[]; object?: { metadata?: { name?: string } } }[];
}

async function table(path: string): Promise<Table> {
  const r = await srv.server.app.inject({ method: "GET", url: path, headers: { authorization: `Bearer ${srv.token}`, accept: "application/json;as=Table;v=v1;g=meta.k8s.io" } });
  expect(r.statusCode).toBe(200);
  return r.json<Table>();
}

/**
 * `kubectl get RESOURCE -n tables` and `... -o wide`: kctl get's tables, but for events, where
 * LAST SEEN is the last occurrence alone (the count is a wide column) and kubectl places the
 * wide columns among the others.
 */
const KUBECTL: PinnedTables = {
  ...KCTL_GET_TABLES,
  events: {
    plain: [
      "LAST SEEN | TYPE | REASON | OBJECT | MESSAGE",
      "20m | Normal | Tidy | namespace | tidied",
      "15m | Warning | BackOff | pod/web-0 | Back-off restarting failed container",
      "70m | Normal | Scheduled | pod/web-0 | Successfully assigned tables/web-0 to node-a",
    ],
    wide: [
      "LAST SEEN | TYPE | REASON | OBJECT | SUBOBJECT | SOURCE | MESSAGE | FIRST SEEN | COUNT | NAME",
      "20m | Normal | Tidy | namespace |  | tidier | tidied | 20m | 1 | ns.3",
      "15m | Warning | BackOff | pod/web-0 | spec.containers{app} | kubelet, node-a | Back-off restarting failed container | 60m | 4 | web-0.1",
      "70m | Normal | Scheduled | pod/web-0 |  | default-scheduler | Successfully assigned tables/web-0 to node-a | 70m | 1 | web-0.2",
    ],
  },
};

describe("kubectl get against kctl prints Kubernetes' columns", () => {
  itPrintsTables(KUBECTL, kubectlGet);
});

describe("the Table answer", () => {
  const columns = (t: Table) => t.columnDefinitions.map((c) => `${c.name}:${c.type}${c.format ? `:${c.format}` : ""}${c.priority ? ` (${c.priority})` : ""}`);

  it("types the count columns as integers and marks the name column, as Kubernetes does", async () => {
    const deploy = await table(`/apis/apps/v1/namespaces/${TABLES_NS}/deployments`);
    expect(columns(deploy)).toEqual(["Name:string:name", "Ready:string", "Up-to-date:integer", "Available:integer", "Age:string", "Containers:string (1)", "Images:string (1)", "Selector:string (1)"]);
    expect(deploy.rows.map((r) => r.cells.slice(0, 4))).toEqual([["idle", "0/0", 0, 0], ["web", "2/3", 1, 2]]);
    const rs = await table(`/apis/apps/v1/namespaces/${TABLES_NS}/replicasets`);
    expect(rs.rows[0]!.cells.slice(0, 4)).toEqual(["web-5d8f", 3, 2, 1]);
    const cm = await table(`/api/v1/namespaces/${TABLES_NS}/configmaps`);
    expect(cm.rows.map((r) => r.cells.slice(0, 2))).toEqual([["settings", 3], ["void", 0]]);
  });

  it("gives an event's wide columns kubectl's places and its count as a number; LAST SEEN is the last occurrence only", async () => {
    const ev = await table(`/api/v1/namespaces/${TABLES_NS}/events`);
    expect(columns(ev)).toEqual([
      "Last Seen:string", "Type:string", "Reason:string", "Object:string", "Subobject:string (1)", "Source:string (1)",
      "Message:string", "First Seen:string (1)", "Count:integer (1)", "Name:string (1)",
    ]);
    expect(ev.rows.find((r) => r.object?.metadata?.name === "web-0.1")?.cells).toEqual([
      "15m", "Warning", "BackOff", "pod/web-0", "spec.containers{app}", "kubelet, node-a", "Back-off restarting failed container", "60m", 4, "web-0.1",
    ]);
  });

  it("answers one object (GET by name) with its kind's columns and one row", async () => {
    const pod = await table(`/api/v1/namespaces/${TABLES_NS}/pods/web-0`);
    expect(columns(pod)).toEqual(["Name:string:name", "Ready:string", "Status:string", "Restarts:string", "Age:string", "IP:string (1)", "Node:string (1)", "Nominated Node:string (1)", "Readiness Gates:string (1)"]);
    expect(pod.rows.map((r) => r.cells.filter((_, i) => i !== 4))).toEqual([["web-0", "1/2", "CrashLoopBackOff", "2 (15m ago)", "10.244.1.7", "node-a", "node-b", "<none>"]]);
  });
});
