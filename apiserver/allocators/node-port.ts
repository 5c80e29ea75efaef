/**
 * NodePort allocation in 30000-32767. Like the ClusterIP allocator it is stateless: used ports
 * are read from stored Services in the same synchronous turn as the write.
 */

export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

/** The first free node port, or undefined when the range is exhausted. */
export function allocateNodePort(used: ReadonlySet<number>): number | undefined {
  for (let p = NODE_PORT_MIN; p <= NODE_PORT_MAX; p++) if (!used.has(p)) return p;
  return undefined;
}
