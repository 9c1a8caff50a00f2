/**
 * The embedded MongoDB-compatible server: the one public entry of server/db/embedded/ (see
 * its README.md). Code outside this folder imports only from here; the folder's own tests
 * may reach inside.
 */
export { startEmbeddedServer, type EmbeddedServer, type StartEmbeddedServerOptions } from './server';
export { readAddressFile, isDataDirLocked, DataDirInUseError, type EmbeddedAddress } from './datadir-lock';
export { startEmbeddedServerThread, type EmbeddedServerThread } from './thread';
export { openEngine } from './engine';
export type { Engine } from './engine-api';
