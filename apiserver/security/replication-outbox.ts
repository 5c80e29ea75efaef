/**
 * The sending side of a credential table shared between API servers (tokens, join tokens): each
 * local change goes to `replicate` (set while the server shares its credentials through etcd)
 * and is remembered until it settles, so a request that created a credential can answer only
 * once the other servers may accept it.
 */
export class ReplicationOutbox<C> {
  /** told of every local change; undefined for a server on its own */
  replicate?: (change: C) => Promise<void>;
  private readonly pending = new Set<Promise<void>>();

  /** Hand a local change on (nothing without `replicate`). */
  send(change: C): void {
    if (!this.replicate) return;
    const p = this.replicate(change).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves once every change sent so far has settled (at once without `replicate`). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
