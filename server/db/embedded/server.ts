import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Document } from 'bson';
import { createLogger, type Logger } from '../../kernel/logger';
import { commandName, runCommand, type CommandContext, type ServerInfo } from './commands';
import { CursorStore, DEFAULT_CURSOR_TIMEOUT_MS } from './cursors';
import { acquireDataDirLock } from './datadir-lock';
import type { Engine } from './engine-api';
import { openEngine } from './engine/index';
import { SLICE_MS } from './engine/steps';
import { commandError, errorReply } from './errors';
import { OP_QUERY } from './wire/constants';
import { FrameReader, FramingError } from './wire/frame-reader';
import { encodeReply, parseFrame, ProtocolError } from './wire/messages';

export interface EmbeddedServer {
  uri: string;
  /** The listening address, or the socket's path when listening on a Unix socket (port 0). */
  host: string;
  port: number;
  dataDir: string | null;
  close(): Promise<void>;
  /** Runs the TTL sweep now (it also runs on a timer); returns how many documents expired. */
  sweepTtl(now?: Date): number;
}

export interface StartEmbeddedServerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /**
   * Listen on this Unix domain socket instead of host:port (a stable address in the data
   * directory; the uri is `mongodb://<percent-encoded path>`, which drivers accept when the
   * path ends in `.sock`). A socket file left by a dead owner is replaced: the data directory
   * lock, taken first, proves nobody else serves it.
   */
  socketPath?: string;
  /** null or absent: in memory only. */
  dataDir?: string | null;
  /**
   * Memory budget of the cache of decoded documents, in MiB (the forum's EMBEDDED_CACHE_MB);
   * default 64. Documents live in SQLite; this is all the engine keeps of them in memory.
   */
  cacheMB?: number;
  logger?: Logger;
  /** Period of the TTL sweep; default 60 s. */
  ttlIntervalMs?: number;
  /** Idle time after which an open cursor is dropped; default 10 minutes. */
  cursorTimeoutMs?: number;
  /** A ready engine to serve instead of opening the storage engine (protocol tests). */
  engine?: Engine;
  /** Commit the writes of one event-loop turn together (WriteGroup); default true. */
  groupCommit?: boolean;
  /**
   * Most connections served at once (mongod's maxIncomingConnections / --maxConns); a
   * connection over the limit is closed as soon as it is accepted. Default 1000.
   */
  maxConnections?: number;
  /** A connection with no traffic for this long is closed; default 30 minutes (0: never). */
  idleTimeoutMs?: number;
  /**
   * A message must arrive whole within this long after its first byte, or the connection is
   * closed and its buffered bytes released (slow or abandoned senders); default 60 s.
   */
  frameTimeoutMs?: number;
  /**
   * How long a command that runs in slices (a `$text` search or count) works before it gives
   * the event loop back, in ms; default 4 (engine/steps.ts SLICE_MS). 0: one step per slice
   * (tests).
   */
  sliceMs?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 1000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const DEFAULT_FRAME_TIMEOUT_MS = 60 * 1000;

/**
 * Starts a MongoDB-wire-compatible server on `host:port` backed by the embedded engine.
 * With a dataDir it takes the directory's lock first: a second server on the same
 * directory refuses to start and names the owner.
 */
export async function startEmbeddedServer(opts: StartEmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger ?? createLogger('silent');
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : null;

  const lock = dataDir ? acquireDataDirLock(dataDir) : null;
  let engine: Engine;
  try {
    engine = opts.engine ?? openEngine({ dataDir, logger, cacheMB: opts.cacheMB });
  } catch (err) {
    lock?.release();
    throw err;
  }

  const maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1)
    throw new Error(`maxConnections must be a positive integer, not ${maxConnections}`);
  const socketPath = opts.socketPath ? path.resolve(opts.socketPath) : null;
  const info: ServerInfo = {
    host: socketPath ?? host,
    port: 0,
    dataDir,
    startedAt: Date.now(),
    connections: { current: 0, totalCreated: 0, max: maxConnections, rejected: 0 },
    opcounters: { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 },
  };
  const cursors = new CursorStore(opts.cursorTimeoutMs ?? DEFAULT_CURSOR_TIMEOUT_MS);
  const group = new WriteGroup(engine, logger, opts.groupCommit !== false);
  const sockets = new Set<net.Socket>();
  const limits: ConnectionLimits = {
    idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    frameTimeoutMs: opts.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS,
    sliceMs: opts.sliceMs ?? SLICE_MS,
  };
  const netServer = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(socket, { engine, cursors, info, logger, group, limits });
  });
  // Over the limit, Node closes a new connection at once; it is counted and logged.
  netServer.maxConnections = maxConnections;
  netServer.on('drop', (data) => {
    info.connections.rejected++;
    logger.warn({ remote: data?.remoteAddress, max: maxConnections }, 'embedded db: connection refused, too many open connections');
  });

  try {
    if (socketPath) {
      if (!lock) throw new Error('a Unix socket address needs a data directory (its lock guards the socket file)');
      fs.rmSync(socketPath, { force: true });
    }
    await new Promise<void>((resolve, reject) => {
      netServer.once('error', reject);
      const listening = () => {
        netServer.off('error', reject);
        resolve();
      };
      if (socketPath) netServer.listen(socketPath, listening);
      else netServer.listen(opts.port ?? 0, host, listening);
    });
    if (socketPath) fs.chmodSync(socketPath, 0o600);
  } catch (err) {
    engine.close();
    lock?.release();
    throw err;
  }
  netServer.on('error', (err) => logger.error({ err }, 'embedded db: listener error'));
  const port = socketPath ? 0 : (netServer.address() as AddressInfo).port;
  info.port = port;
  const uri = socketPath ? `mongodb://${encodeURIComponent(socketPath)}` : `mongodb://${host.includes(':') ? `[${host}]` : host}:${port}`;
  lock?.publish(uri);

  const sweepTtl = (now?: Date): number => {
    group.flush();
    const removed = engine.expireTtl(now);
    if (removed > 0) logger.debug({ removed }, 'embedded db: TTL sweep');
    return removed;
  };
  const ttlTimer = setInterval(() => {
    try {
      sweepTtl();
    } catch (err) {
      logger.error({ err }, 'embedded db: TTL sweep failed');
    }
  }, opts.ttlIntervalMs ?? 60_000);
  ttlTimer.unref();
  const reaper = setInterval(() => cursors.reap(), Math.min(60_000, opts.cursorTimeoutMs ?? DEFAULT_CURSOR_TIMEOUT_MS));
  reaper.unref();

  logger.debug({ uri, dataDir: dataDir ?? '(in memory)' }, 'embedded database server listening');

  let closing: Promise<void> | undefined;
  return {
    uri,
    host: socketPath ?? host,
    port,
    dataDir,
    sweepTtl,
    close() {
      closing ??= (async () => {
        clearInterval(ttlTimer);
        clearInterval(reaper);
        const closed = new Promise<void>((resolve) => netServer.close(() => resolve()));
        group.flush();
        for (const socket of sockets) socket.destroy();
        await closed;
        cursors.clear();
        try {
          engine.close();
        } finally {
          lock?.release();
        }
        logger.debug({ uri }, 'embedded database server stopped');
      })();
      return closing;
    },
  };
}

interface ConnectionLimits {
  idleTimeoutMs: number;
  frameTimeoutMs: number;
  sliceMs: number;
}

interface Shared {
  engine: Engine;
  cursors: CursorStore;
  info: ServerInfo;
  logger: Logger;
  group: WriteGroup;
  limits: ConnectionLimits;
}

/** Write commands whose storage commit can join a group (see WriteGroup). */
const GROUPABLE = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify']);

/**
 * Group commit. The write commands that arrive in one event-loop turn, on any connections,
 * run one after the other as usual (each sees the previous ones) but inside
 * engine.deferCommits(): their storage ops are committed together in ONE SQLite
 * transaction at the end of the turn (setImmediate), and only then are they acknowledged.
 * If that commit fails, the engine undoes all of them in memory and every one of them gets
 * the error. Any other command (a read, DDL, admin) first commits the open group, so
 * nothing ever reads a write that is not yet on disk; replies keep their order on each
 * connection because everything after a grouped write waits for the same flush.
 */
class WriteGroup {
  private waiting: { send: (doc: Document) => void; reply: Document | null }[] = [];
  private scheduled = false;

  readonly enabled: boolean;

  constructor(
    private readonly engine: Engine,
    private readonly logger: Logger,
    on: boolean,
  ) {
    this.enabled = on && !!(engine.deferCommits && engine.commitDeferred);
  }

  /** Runs a write command in the group; its reply (null: none wanted) leaves at the flush. */
  run(fn: () => Document, send: (doc: Document) => void, wantsReply: boolean): void {
    const reply = this.engine.deferCommits!(fn);
    this.waiting.push({ send, reply: wantsReply ? reply : null });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commits the open group (if any) and sends its replies. */
  flush(): void {
    this.scheduled = false;
    if (!this.waiting.length) return;
    const waiting = this.waiting;
    this.waiting = [];
    let failure: Document | null = null;
    try {
      this.engine.commitDeferred!();
    } catch (err) {
      this.logger.error({ err, writes: waiting.length }, 'embedded db: group commit failed');
      failure = errorReply(err);
    }
    for (const w of waiting) if (w.reply) w.send(failure ?? w.reply);
  }
}

/**
 * One client connection. Frames are handled synchronously, in arrival order, as soon as
 * they are complete; the replies to all frames of one chunk leave in one corked write
 * (write commands: at the end of the turn, after their group commit; see WriteGroup).
 * A command that runs in slices (a `$text` search or count, handlers/context.ts
 * afterSteps) gives the event loop back between slices, so other connections' commands run
 * meanwhile; this connection's later frames wait for its reply, so replies keep their
 * order. Each slice starts by committing the open write group (nothing reads a write that
 * is not on disk); a slice after the client went away abandons the command.
 */
function serveConnection(socket: net.Socket, shared: Shared): void {
  const { info, logger, group } = shared;
  const connectionId = ++info.connections.totalCreated;
  info.connections.current++;
  socket.setNoDelay(true);
  const ctx: CommandContext = {
    engine: shared.engine,
    cursors: shared.cursors,
    server: info,
    connectionId,
    remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
    logger,
    sliceMs: shared.limits.sliceMs,
    pause: () =>
      new Promise<void>((resolve, reject) =>
        setImmediate(() => {
          if (socket.destroyed) return reject(commandError(279, 'the client disconnected'));
          group.flush();
          resolve();
        }),
      ),
  };
  const reader = new FrameReader();
  /** frames waiting for this connection's command that runs in slices */
  const waiting: { frame: Buffer; debug: boolean }[] = [];
  let busy = false;

  const send = (requestId: number, replyWith: 'msg' | 'reply', doc: Document) => {
    if (socket.destroyed) return;
    let parts: [Uint8Array, Uint8Array];
    try {
      parts = encodeReply(requestId, replyWith, doc);
    } catch (err) {
      parts = encodeReply(
        requestId,
        replyWith,
        errorReply(commandError(10334, `the reply could not be encoded: ${(err as Error).message}`)),
      );
    }
    socket.write(parts[0]);
    socket.write(parts[1]);
  };

  const handleFrame = (frame: Buffer, debug: boolean) => {
    let request;
    try {
      request = parseFrame(frame);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      logger.debug({ conn: connectionId, code: err.code, reason: err.message }, 'embedded db: bad message');
      send(err.requestId, err.replyWith, { ok: 0, errmsg: err.message, code: err.code, codeName: err.codeName });
      return;
    }
    const name = commandName(request.command);
    const started = debug ? performance.now() : 0;
    const replyWith = request.opCode === OP_QUERY ? 'reply' : 'msg';
    const log = (reply: Document) => {
      if (debug)
        logger.debug(
          { conn: connectionId, db: request.db, cmd: name, ok: reply.ok, ms: performance.now() - started },
          'embedded db: command',
        );
      return reply;
    };
    if (name !== undefined && GROUPABLE.has(name) && group.enabled) {
      group.run(
        () => log(runCommand(name, request.command, request.db, ctx)),
        (doc) => send(request.requestId, replyWith, doc),
        !request.moreToCome,
      );
      return;
    }
    group.flush(); // nothing reads (or writes outside the group) before the group is on disk
    const reply = runCommand(name, request.command, request.db, ctx);
    if (!(reply instanceof Promise)) {
      log(reply);
      if (!request.moreToCome) send(request.requestId, replyWith, reply);
      return;
    }
    busy = true;
    // Whatever fails after the command (sending its reply, a frame that waited for it) closes
    // only this connection, as a frame failing on arrival does; it must never become an
    // unhandled rejection, which would end the database thread.
    void reply
      .then((doc) => {
        busy = false;
        log(doc);
        if (!request.moreToCome) send(request.requestId, replyWith, doc);
        if (socket.destroyed) return;
        socket.cork();
        try {
          while (!busy && waiting.length) {
            const w = waiting.shift()!;
            handleFrame(w.frame, w.debug);
          }
        } finally {
          socket.uncork();
        }
      })
      .catch(dropConnection);
  };
  const dispatch = (frame: Buffer, debug: boolean) => {
    if (busy) waiting.push({ frame, debug });
    else handleFrame(frame, debug);
  };

  // A started message must complete in time; an idle connection is closed after a while.
  const { idleTimeoutMs, frameTimeoutMs } = shared.limits;
  let frameTimer: NodeJS.Timeout | null = null;
  const closeFor = (reason: string) => {
    logger.debug({ conn: connectionId, reason }, 'embedded db: closing connection');
    socket.destroy();
  };
  if (idleTimeoutMs > 0) {
    socket.setTimeout(idleTimeoutMs);
    socket.on('timeout', () => closeFor('idle'));
  }
  const watchPartialFrame = () => {
    if (reader.buffered === 0) {
      if (frameTimer) clearTimeout(frameTimer);
      frameTimer = null;
    } else if (!frameTimer && frameTimeoutMs > 0) {
      frameTimer = setTimeout(() => closeFor('message not completed in time'), frameTimeoutMs);
      frameTimer.unref();
    }
  };

  // Framing is lost, or a message is larger than any client may send (which also caps what a
  // connection can make us buffer), or a frame cannot be handled: only this connection pays.
  const dropConnection = (err: unknown) => {
    logger.warn(
      { conn: connectionId, reason: (err as Error).message, framing: err instanceof FramingError },
      'embedded db: closing connection',
    );
    reader.clear();
    waiting.length = 0;
    socket.destroy();
  };

  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk);
    const debug = logger.isLevelEnabled('debug');
    socket.cork();
    try {
      for (let frame = reader.next(); frame !== null; frame = reader.next()) dispatch(frame, debug);
      watchPartialFrame();
    } catch (err) {
      dropConnection(err);
    } finally {
      socket.uncork();
    }
  });
  socket.on('error', (err) => logger.debug({ conn: connectionId, err }, 'embedded db: socket error'));
  socket.once('close', () => {
    info.connections.current--;
    if (frameTimer) clearTimeout(frameTimer);
    reader.clear();
    waiting.length = 0;
  });
}
