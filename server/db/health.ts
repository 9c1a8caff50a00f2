import type { Connection } from 'mongoose';
import type { TopologyDescription } from 'mongodb';

/**
 * Whether this forum's database can take writes right now, as the MongoDB driver's server
 * monitoring sees it (SDAM: every server description change, from heartbeats and from failed
 * operations). Read on every request by the database gate (server/http/database-gate.ts) so
 * that, while the database is down, requests are answered 503 at once instead of waiting for
 * server selection; it turns back `up` on the first successful heartbeat after the database
 * returns (the driver checks every DB_HEARTBEAT_MS, server/db/connect.ts).
 */
export interface DatabaseHealth {
  /** True while a writable server (standalone, primary, mongos) is known. */
  readonly up: boolean;
  /** When it went down (null while up). */
  readonly downSince: Date | null;
  /** Called on every change (true = up). */
  onChange(listener: (up: boolean) => void): void;
}

const writable = (d: TopologyDescription | undefined): boolean => (d ? [...d.servers.values()].some((s) => s.isWritable) : false);

/** Watches one mongoose connection's driver client. */
export function watchDatabase(connection: Connection): DatabaseHealth {
  const client = connection.getClient();
  const listeners: Array<(up: boolean) => void> = [];
  // The client is connected and pinged before the services are built (connect.ts).
  const initial = (client as unknown as { topology?: { description?: TopologyDescription } }).topology?.description;
  let up = initial ? writable(initial) : connection.readyState === 1;
  let downSince: Date | null = up ? null : new Date();
  client.on('topologyDescriptionChanged', (ev) => {
    const now = writable(ev.newDescription);
    if (now === up) return;
    up = now;
    downSince = now ? null : new Date();
    for (const l of listeners) l(now);
  });
  client.on('topologyClosed', () => {
    if (!up) return;
    up = false;
    downSince = new Date();
    for (const l of listeners) l(false);
  });
  return {
    get up() {
      return up;
    },
    get downSince() {
      return downSince;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
