/**
 * A Web Locks manager for one Node process (Node 20 has no `navigator.locks`): exclusive locks granted in request
 * order, `ifAvailable` and `signal` as the browser has them. Tabs of a test share one instance.
 */
export class MemoryLocks {
  private readonly held = new Set<string>();
  private readonly queues = new Map<string, (() => void)[]>();

  request<T>(
    name: string,
    options: { ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: { name: string } | null) => T | Promise<T>,
  ): Promise<T> {
    if (options.ifAvailable && this.held.has(name)) return Promise.resolve().then(() => callback(null));
    return new Promise<T>((resolve, reject) => {
      const grant = () => {
        options.signal?.removeEventListener('abort', onAbort);
        this.held.add(name);
        Promise.resolve()
          .then(() => callback({ name }))
          .then(resolve, reject)
          .finally(() => this.release(name));
      };
      const onAbort = () => {
        const queue = this.queues.get(name) ?? [];
        queue.splice(queue.indexOf(grant), 1);
        reject(new DOMException('The lock request was aborted', 'AbortError'));
      };
      if (options.signal?.aborted) {
        reject(new DOMException('The lock request was aborted', 'AbortError'));
        return;
      }
      if (!this.held.has(name)) {
        grant();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.queues.get(name) ?? [];
      queue.push(grant);
      this.queues.set(name, queue);
    });
  }

  /** As the browser's LockManager (the part the shared feed uses). */
  asLockManager(): LockManager {
    return this as unknown as LockManager;
  }

  private release(name: string) {
    this.held.delete(name);
    const next = this.queues.get(name)?.shift();
    if (next) next();
  }
}
