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
  PORT: int(3000, 0),
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

  // Rate limits (per user or IP, per window).
  RATE_LOGIN_MAX: int(10, 1),
  RATE_LOGIN_WINDOW_MIN: int(15, 1),
  RATE_POST_MAX: int(30, 1),
  RATE_POST_WINDOW_MIN: int(5, 1),
  RATE_QUESTION_MAX: int(10, 1),
  RATE_QUESTION_WINDOW_MIN: int(60, 1),
  RATE_MESSAGE_MAX: int(30, 1),
  RATE_MESSAGE_WINDOW_MIN: int(10, 1),
  BODY_LIMIT_KB: int(256, 1),

  // Business calendar (support-policy.md).
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

/** Configuration for tests: quiet, no demo content, no jobs. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DEMO_CONTENT: 'false',
    JOBS_ENABLED: 'false',
    SESSION_SECRET: 'test-session-secret-test-session-secret',
    SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
    ...overrides,
  });
}
