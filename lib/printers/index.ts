/**
 * The printers of the kinds that have `kubectl get` columns, one per kind, for the API server's
 * Table answers (each strategy's `printer`) and the CLI's tables (cli/printers/columns) alike.
 * A kind without one gets Name + Age.
 */
import { controllerRevisionPrinter, daemonSetPrinter, deploymentPrinter, replicaSetPrinter, replicationControllerPrinter, statefulSetPrinter } from "./apps.js";
import { cronJobPrinter, jobPrinter } from "./batch.js";
import { namespacePrinter, nodePrinter } from "./cluster.js";
import { configMapPrinter, secretPrinter } from "./config.js";
import { leasePrinter } from "./coordination.js";
import { eventCliPrinter, eventPrinter } from "./event.js";
import { podPrinter } from "./pod.js";
import type { Printer } from "./printer.js";
import { endpointsPrinter, servicePrinter } from "./service.js";
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from "./storage.js";

const BY_KIND: Record<string, Printer> = {
  Pod: podPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  ReplicationController: replicationControllerPrinter,
  StatefulSet: statefulSetPrinter,
  DaemonSet: daemonSetPrinter,
  ControllerRevision: controllerRevisionPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  Node: nodePrinter,
  Namespace: namespacePrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  Event: eventPrinter,
  Lease: leasePrinter,
  PersistentVolume: persistentVolumePrinter,
  PersistentVolumeClaim: persistentVolumeClaimPrinter,
  StorageClass: storageClassPrinter,
};

/** Where `kctl get` prints a cell differently from kubectl's server-side printer (see eventCliPrinter). */
const CLI_BY_KIND: Record<string, Printer> = { Event: eventCliPrinter };

/** The printer of a kind (kubectl's columns), if lib declares one. */
export function printerFor(kind: string): Printer | undefined {
  return BY_KIND[kind];
}

/** The printer `kctl get` uses for a kind: its {@link printerFor}, but for Events' LAST SEEN. */
export function cliPrinterFor(kind: string): Printer | undefined {
  return CLI_BY_KIND[kind] ?? BY_KIND[kind];
}
