/**
 * The printers declared in lib (one per kind), for the API server's Table answers and the CLI's
 * tables alike. Kinds whose columns predate this still declare them in their strategy
 * (apiserver/strategies) and in cli/printers/columns.
 */
import { controllerRevisionPrinter, statefulSetPrinter } from "./apps.js";
import type { Printer } from "./printer.js";
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from "./storage.js";

const BY_KIND: Record<string, Printer> = {
  StatefulSet: statefulSetPrinter,
  ControllerRevision: controllerRevisionPrinter,
  PersistentVolume: persistentVolumePrinter,
  PersistentVolumeClaim: persistentVolumeClaimPrinter,
  StorageClass: storageClassPrinter,
};

/** The printer of a kind, if lib declares one. */
export function printerFor(kind: string): Printer | undefined {
  return BY_KIND[kind];
}
