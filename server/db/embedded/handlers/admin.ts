import os from 'node:os';
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE, MAX_WRITE_BATCH_SIZE } from '../wire/constants';
import { commandError } from '../errors';
import type { CommandContext, CommandHandler } from './context';

/** The MongoDB release whose behaviour the embedded server imitates. */
export const SERVER_VERSION = '7.0.0';
const VERSION_ARRAY = [7, 0, 0, 0];
const FEATURE_COMPATIBILITY = { version: '7.0' };

/**
 * The handshake answer of a standalone server. No topologyVersion (that would switch the
 * driver to streaming heartbeats) and nothing that describes a replica set or mongos.
 */
export const hello: CommandHandler = (_cmd, _db, ctx) => ({
  helloOk: true,
  ismaster: true,
  isWritablePrimary: true,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  maxMessageSizeBytes: MAX_MESSAGE_SIZE,
  maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
  localTime: new Date(),
  logicalSessionTimeoutMinutes: 30,
  connectionId: ctx.connectionId,
  minWireVersion: 0,
  maxWireVersion: 21,
  readOnly: false,
  ok: 1,
});

const ok: CommandHandler = () => ({ ok: 1 });

const buildInfo: CommandHandler = () => ({
  version: SERVER_VERSION,
  gitVersion: 'embedded',
  versionArray: VERSION_ARRAY,
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  storageEngines: ['embedded'],
  javascriptEngine: 'none',
  modules: [],
  allocator: 'system',
  openssl: { running: 'disabled' },
  buildEnvironment: { distarch: os.arch(), target_os: os.platform() },
  ok: 1,
});

function hostPort(ctx: CommandContext): string {
  return `${os.hostname()}:${ctx.server.port}`;
}

const serverStatus: CommandHandler = (_cmd, _db, ctx) => {
  const uptimeMillis = Date.now() - ctx.server.startedAt;
  const mem = process.memoryUsage();
  const { current, totalCreated, max, rejected } = ctx.server.connections;
  return {
    host: hostPort(ctx),
    version: SERVER_VERSION,
    process: 'mongod',
    pid: process.pid,
    uptime: uptimeMillis / 1000,
    uptimeMillis,
    uptimeEstimate: Math.floor(uptimeMillis / 1000),
    localTime: new Date(),
    connections: { current, available: Math.max(0, max - current), totalCreated, rejected, active: current },
    opcounters: { ...ctx.server.opcounters },
    mem: { bits: 64, resident: Math.round(mem.rss / 1048576), virtual: Math.round(mem.rss / 1048576), supported: true },
    storageEngine: { name: 'embedded', supportsCommittedReads: false, persistent: ctx.server.dataDir !== null },
    ok: 1,
  };
};

const hostInfo: CommandHandler = () => ({
  system: {
    currentTime: new Date(),
    hostname: os.hostname(),
    cpuAddrSize: 64,
    memSizeMB: Math.round(os.totalmem() / 1048576),
    numCores: os.cpus().length,
    cpuArch: os.arch(),
  },
  os: { type: os.type(), name: os.platform(), version: os.release() },
  extra: {},
  ok: 1,
});

const whatsmyuri: CommandHandler = (_cmd, _db, ctx) => ({ you: ctx.remoteAddress, ok: 1 });

const connectionStatus: CommandHandler = (cmd) => ({
  authInfo: {
    authenticatedUsers: [],
    authenticatedUserRoles: [],
    ...(cmd.showPrivileges ? { authenticatedUserPrivileges: [] } : {}),
  },
  ok: 1,
});

const getCmdLineOpts: CommandHandler = (_cmd, _db, ctx) => ({
  argv: ['embedded-mongod'],
  parsed: {
    net: { bindIp: ctx.server.host, port: ctx.server.port },
    storage: { dbPath: ctx.server.dataDir ?? '(in memory)' },
  },
  ok: 1,
});

const getLog: CommandHandler = (cmd) => {
  if (cmd.getLog === '*') return { names: ['global', 'startupWarnings'], ok: 1 };
  if (cmd.getLog === 'global' || cmd.getLog === 'startupWarnings') return { totalLinesWritten: 0, log: [], ok: 1 };
  throw commandError(
    2,
    `getLog: no log named '${String(cmd.getLog)}' (the embedded server has 'global' and 'startupWarnings', both empty)`,
  );
};

const getParameter: CommandHandler = (cmd) => {
  const all = cmd.getParameter === '*' || (typeof cmd.getParameter === 'object' && cmd.getParameter?.allParameters);
  if (all || cmd.featureCompatibilityVersion !== undefined) {
    return { featureCompatibilityVersion: FEATURE_COMPATIBILITY, ok: 1 };
  }
  const asked = Object.keys(cmd).filter((k) => k !== 'getParameter' && !k.startsWith('$') && k !== 'lsid');
  throw commandError(
    72,
    `getParameter: the embedded server has no parameter named '${asked.join("', '")}' (only featureCompatibilityVersion)`,
  );
};

const setParameter: CommandHandler = () => {
  throw commandError(115, 'setParameter is not supported: the embedded server has no runtime parameters');
};

const refuseAuthentication: CommandHandler = () => {
  throw commandError(18, 'authentication is not supported by the embedded server; use it on loopback without credentials');
};

export const adminCommands: Record<string, CommandHandler> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: ok,
  buildInfo,
  buildinfo: buildInfo,
  serverStatus,
  hostInfo,
  whatsmyuri,
  connectionStatus,
  getCmdLineOpts,
  getLog,
  getParameter,
  setParameter,
  endSessions: ok,
  refreshSessions: ok,
  killSessions: ok,
  killAllSessions: ok,
  saslStart: refuseAuthentication,
  saslContinue: refuseAuthentication,
  authenticate: refuseAuthentication,
  getnonce: refuseAuthentication,
};
