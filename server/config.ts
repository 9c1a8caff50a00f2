import { z } from 'zod';
import path from 'node:path';

/**
 * Reads the environment once, validates it and returns a frozen, typed object.
 * Fails fast with every problem listed, so a typo in production is caught at boot.
 * Every variable is documented in README.md ("Configuration").
 */
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** External MongoDB. When unset the embedded server is started on loopback. */
  MONGODB_URI: z.string().url().optional(),
  /** Where the embedded database keeps its files (and the generated secrets key). */
  DATA_DIR: z.string().default('./data'),
  /** Memory budget (MiB) of the embedded database's cache of decoded documents. */
  EMBEDDED_CACHE_MB: int(64, 0),
  SESSION_SECRET: z.string().min(32).optional(),
  /** base64 of 32 bytes: AES-256-GCM key for secure fields in private messages. */
  SECRETS_KEY: z.string().optional(),
  /** Older keys (comma-separated base64), for decrypting after a key rotation. */
  SECRETS_KEY_PREVIOUS: z.string().optional(),
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seed demo content into an empty database on first start. */
  DEMO_CONTENT: bool.default(true),
  /** Run scheduled jobs (lock sweep, purges) in this process. */
  JOBS_ENABLED: bool.default(true),
  /**
   * Graceful shutdown: how long /readyz answers 503 "draining" before the listener closes,
   * so a load balancer notices and stops routing here. 0 closes at once.
   */
  SHUTDOWN_DRAIN_MS: int(0, 0),

  // Runtime (docs/operations.md).
  /**
   * The embedded database's stable TCP port on 127.0.0.1, instead of the Unix socket
   * DATA_DIR/embedded.sock (needed only when DATA_DIR's path is too long for a socket).
   */
  EMBEDDED_DB_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /**
   * Run the embedded database in a worker thread of its own (server/db/embedded/thread.ts),
   * so its work never holds the forum's event loop; false runs it in the forum's thread.
   */
  EMBEDDED_DB_THREAD: bool.default(true),
  /**
   * Database time (ms, maxTimeMS) a thread list's total may take when no index answers its
   * filter alone (a product and a status together); past it the list says "more than" what
   * it has shown and offers Next links only.
   */
  LIST_COUNT_BUDGET_MS: int(250, 1),
  /** How long a database operation waits for a reachable server before the request gets 503. */
  DB_SELECTION_TIMEOUT_MS: int(1000, 100),
  /** How often the driver checks the database: how soon a returning database is noticed. */
  DB_HEARTBEAT_MS: int(1000, 500),
  /**
   * Load shedding: while the event loop lags more than this (ms, measured every 50 ms),
   * new requests get 503 with Retry-After; health checks and /metrics are always served.
   * 0 turns it off.
   */
  SHED_EVENT_LOOP_DELAY_MS: int(150, 0),
  /** Load shedding: most requests in progress at once; more get 503 at once. 0: no limit. */
  SHED_MAX_IN_FLIGHT: int(64, 0),
  /** A request still unanswered after this long gets 503 `timeout` (its work may still finish). 0: none. */
  REQUEST_TIMEOUT_MS: int(15_000, 0),
  /** Bearer token for GET /metrics. Unset: /metrics answers only direct connections from this machine. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Serve /metrics (Prometheus text format). */
  METRICS_ENABLED: bool.default(true),
  /**
   * Start even though secrets.key is missing while encrypted secure fields exist, generating
   * a new key (the existing fields can then never be read). Without it the forum refuses to start.
   */
  SECRETS_ALLOW_NEW_KEY: bool.default(false),

  // Rate limits (per user or IP, per window).
  RATE_LOGIN_MAX: int(10, 1),
  RATE_LOGIN_WINDOW_MIN: int(15, 1),
  RATE_POST_MAX: int(30, 1),
  RATE_POST_WINDOW_MIN: int(5, 1),
  RATE_QUESTION_MAX: int(10, 1),
  RATE_QUESTION_WINDOW_MIN: int(60, 1),
  RATE_MESSAGE_MAX: int(30, 1),
  RATE_MESSAGE_WINDOW_MIN: int(10, 1),
  /** Server-side previews of the ask form (each renders Markdown; issue 18 item 3). */
  RATE_PREVIEW_MAX: int(60, 1),
  RATE_PREVIEW_WINDOW_MIN: int(1, 1),
  BODY_LIMIT_KB: int(256, 1),

  // Markdown rendering on request paths (server/markdown/bounded-renderer.ts).
  /** Worker threads that render posts, previews, messages and signatures; 0 renders in the request thread, without a time budget. */
  MARKDOWN_WORKERS: int(1, 0),
  /** Time budget of one render in a worker, in milliseconds; past it the render is refused with a 400 naming the field. */
  MARKDOWN_BUDGET_MS: int(1000, 10),

  // Business calendar (docs/support-policy.md).
  SUPPORT_TIMEZONE: z.string().default('America/New_York'),
  SUPPORT_OPEN: z
    .string()
    .regex(/^\d\d:\d\d$/)
    .default('07:30'),
  SUPPORT_CLOSE: z
    .string()
    .regex(/^\d\d:\d\d$/)
    .default('17:30'),
  /** ISO weekdays the desk is open, 1 = Monday. */
  SUPPORT_DAYS: z
    .string()
    .regex(/^[1-7](,[1-7])*$/)
    .default('1,2,3,4,5'),
  SUPPORT_HOLIDAY_COUNTRY: z.string().default('US'),
  SUPPORT_HOLIDAY_REGION: z.string().optional(),
  /** Extra closed dates, comma separated YYYY-MM-DD. */
  SUPPORT_CLOSED_DATES: z.string().default(''),
  LOCK_AFTER_BUSINESS_DAYS: int(2, 1),
  /**
   * How often each app process checks the database for support settings an administrator
   * changed (docs/administration.md); a change made in this process applies at once.
   */
  SETTINGS_REFRESH_SECONDS: int(5, 1),

  // Moderation (docs/moderation.md): who counts as a new or a trusted member.
  /** An account is new while it is younger than this many days ... */
  NEW_ACCOUNT_DAYS: int(3, 0),
  /** ... or has fewer than this many visible public posts. 0 and 0: no account is new. */
  NEW_ACCOUNT_POSTS: int(3, 0),
  /** A member is trusted once the account is this many days old ... */
  TRUSTED_ACCOUNT_DAYS: int(30, 0),
  /** ... and has this many visible public posts, and is not restricted. */
  TRUSTED_ACCOUNT_POSTS: int(10, 0),
  /** Flags from this many different trusted members hide a post until a moderator reviews it. */
  FLAGS_TO_HIDE: int(3, 1),

  // E-mail (docs/email.md; server/mail/settings.ts turns these into the mail module's settings).
  /**
   * Outgoing SMTP server as one URL: smtp://user:pass@host:587 (STARTTLS when offered) or
   * smtps://user:pass@host:465 (TLS from the start). Percent-encode reserved characters in the
   * user and password. Alternative to the SMTP_HOST group; setting both is an error. With
   * neither, mail is written as .eml files to DATA_DIR/outbox/.
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/i, 'must be smtp://… or smtps://…')
    .optional(),
  SMTP_HOST: z.string().min(1).optional(),
  /** Default 465 when SMTP_SECURE is true, otherwise 587. */
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SMTP_USER: z.string().optional(),
  /** Never logged (server/kernel/logger.ts redacts it, and SMTP_URL, by path). */
  SMTP_PASS: z.string().optional(),
  /** true: TLS from the first byte (port 465); false: plain, upgraded with STARTTLS when offered. */
  SMTP_SECURE: bool.optional(),
  /** The From of every mail, an address or `Name <address>`; default `<forum name> <no-reply@PUBLIC_URL's host>`. */
  MAIL_FROM: z.string().min(3).optional(),
  /**
   * Key material for signed mail links and reply addresses (at least 32 characters). Unset: a
   * key derived from SESSION_SECRET (HKDF). Changing it revokes every unsubscribe link and
   * reply address already sent.
   */
  MAIL_SECRET: z.string().min(32).optional(),
  /** The forum's public base URL (absolute http/https), the base for every link in mail. */
  PUBLIC_URL: z
    .string()
    .url()
    .regex(/^https?:\/\//i, 'must be an absolute http:// or https:// URL')
    .optional(),
  /** Reply by e-mail: the SMTP listener's port. Off unless INBOUND_DOMAIN is set too. */
  INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** The domain of reply addresses (its MX record points at this host); e.g. reply.example.com. */
  INBOUND_DOMAIN: z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, 'must be a domain name')
    .optional(),
  /** Address the listener binds to: all interfaces by default, since an MX is reached from outside. */
  INBOUND_SMTP_HOST: z.string().default('0.0.0.0'),
  /** PEM files for STARTTLS on the listener. Unset: a self-signed certificate (still encrypted). */
  INBOUND_TLS_KEY_FILE: z.string().optional(),
  INBOUND_TLS_CERT_FILE: z.string().optional(),
  /** Largest accepted inbound message (SIZE, RFC 1870); larger ones get 552. */
  INBOUND_MAX_KB: int(1024, 16),

  // Uploads and the screenshot guard (docs/uploads.md).
  /** Largest image upload, bytes, before and after re-encoding (413 above). */
  UPLOAD_IMAGE_MAX_BYTES: int(10 * 1024 * 1024, 1024),
  /** Most pixels in an image's first frame (decompression bombs: 413 above). */
  UPLOAD_IMAGE_MAX_PIXELS: int(40_000_000, 1),
  /** Images whose longer side is longer are scaled down to fit (never refused). */
  UPLOAD_IMAGE_MAX_EDGE: int(4096, 16),
  /** Largest attachment (PDF, ZIP, text) in a private message, bytes. */
  UPLOAD_ATTACHMENT_MAX_BYTES: int(10 * 1024 * 1024, 1024),
  /** Uploads per person in any 24 hours (staff exempt); 429 upload_quota above. */
  UPLOAD_DAILY_MAX: int(50, 1),
  /** Megabytes uploaded per person in any 24 hours (staff exempt). */
  UPLOAD_DAILY_MAX_MB: int(200, 1),
  /** Uploaded files one post or private message may show. */
  UPLOAD_PER_POST_MAX: int(10, 1),
  /**
   * OCR worker threads for the screenshot guard. Unset: the cores minus one (at least one).
   * 0 turns the screenshot guard off: images in public posts are then published unchecked.
   */
  OCR_WORKERS: z.coerce.number().int().min(0).max(64).optional(),
  /** Screenshots that may wait while every OCR worker is busy; more are held as unchecked. */
  OCR_QUEUE_LIMIT: int(20, 0),
  /** Milliseconds one recognition may run before its worker is stopped. */
  OCR_JOB_TIMEOUT_MS: int(15_000, 100),
  /** Milliseconds publishing waits for an image still being checked before holding the post. */
  OCR_PUBLISH_WAIT_MS: int(10_000, 0),
});

export type Config = Readonly<
  Omit<z.infer<typeof schema>, 'SUPPORT_DAYS' | 'SUPPORT_CLOSED_DATES'> & {
    SUPPORT_DAYS: number[];
    SUPPORT_CLOSED_DATES: string[];
    isProduction: boolean;
    dataDir: string;
  }
>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.NODE_ENV === 'production' && !c.SESSION_SECRET) {
    throw new Error('Invalid configuration:\n  SESSION_SECRET: required in production (at least 32 characters)');
  }
  const mailProblems = checkMailConfig(c);
  if (mailProblems.length) throw new Error(`Invalid configuration:\n${mailProblems.map((p) => `  ${p}`).join('\n')}`);
  return Object.freeze({
    ...c,
    SUPPORT_DAYS: c.SUPPORT_DAYS.split(',').map(Number),
    SUPPORT_CLOSED_DATES: c.SUPPORT_CLOSED_DATES.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    isProduction: c.NODE_ENV === 'production',
    dataDir: path.resolve(c.DATA_DIR),
  });
}

/** Rules across the mail variables (each one alone is checked by the schema). */
function checkMailConfig(c: z.infer<typeof schema>): string[] {
  const problems: string[] = [];
  const smtp = Boolean(c.SMTP_URL || c.SMTP_HOST);
  const inbound = c.INBOUND_SMTP_PORT !== undefined && Boolean(c.INBOUND_DOMAIN);
  if (c.SMTP_URL && (c.SMTP_HOST || c.SMTP_PORT || c.SMTP_USER || c.SMTP_PASS || c.SMTP_SECURE !== undefined)) {
    problems.push('SMTP_URL: set either SMTP_URL or the SMTP_HOST/SMTP_PORT/SMTP_USER/SMTP_PASS/SMTP_SECURE group, not both');
  }
  if (!c.SMTP_HOST && (c.SMTP_PORT || c.SMTP_USER || c.SMTP_PASS || c.SMTP_SECURE !== undefined) && !c.SMTP_URL) {
    problems.push('SMTP_HOST: required when SMTP_PORT, SMTP_USER, SMTP_PASS or SMTP_SECURE is set');
  }
  if (Boolean(c.SMTP_USER) !== Boolean(c.SMTP_PASS)) problems.push('SMTP_USER/SMTP_PASS: set both or neither');
  if ((c.INBOUND_SMTP_PORT !== undefined) !== Boolean(c.INBOUND_DOMAIN)) {
    problems.push('INBOUND_SMTP_PORT/INBOUND_DOMAIN: reply by e-mail needs both (or neither)');
  }
  if (Boolean(c.INBOUND_TLS_KEY_FILE) !== Boolean(c.INBOUND_TLS_CERT_FILE)) {
    problems.push('INBOUND_TLS_KEY_FILE/INBOUND_TLS_CERT_FILE: set both or neither');
  }
  // Reply addresses are verified by every process and after restarts: a per-process key cannot do that.
  if (inbound && !c.MAIL_SECRET && !c.SESSION_SECRET) {
    problems.push('MAIL_SECRET: reply by e-mail needs MAIL_SECRET or SESSION_SECRET (signed reply addresses)');
  }
  if (c.NODE_ENV === 'production' && (smtp || inbound) && !c.PUBLIC_URL) {
    problems.push('PUBLIC_URL: required in production when mail is configured (links in mail)');
  }
  return problems;
}

/** Configuration for tests: quiet, no demo content, no jobs. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DEMO_CONTENT: 'false',
    JOBS_ENABLED: 'false',
    SESSION_SECRET: 'test-session-secret-test-session-secret',
    SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
    // Markdown in the test process: a worker per test forum costs about half a second of CPU to
    // boot. The worker path has its own tests (test/integration/threads/bounded-rendering.test.ts)
    // and the browser tests run with workers.
    MARKDOWN_WORKERS: '0',
    // Likewise the embedded database of a test forum on a data directory runs in the test's
    // thread; test/integration/ops/ starts real forums, whose database runs in its thread.
    EMBEDDED_DB_THREAD: 'false',
    // In-process tests share one busy event loop: no shedding or timeouts unless a test asks.
    SHED_EVENT_LOOP_DELAY_MS: '0',
    SHED_MAX_IN_FLIGHT: '0',
    REQUEST_TIMEOUT_MS: '0',
    ...overrides,
  });
}
