/**
 * Generated screenshots for bench/ocr.ts: 1280x800 PNGs of application-like screens
 * (title bar, side menu, a dialog or page with text, buttons), rendered from SVG by sharp,
 * with several fonts, sizes, colours and backgrounds, some low-contrast and some dark; every
 * third one is saved as a JPEG at quality 70 (its `png` field then holds JPEG bytes).
 *
 * "private" screens show one secret the guard must find (an access code, a certification ID
 * or an e-mail address); its exact rectangle is known by rendering the screen a second time
 * without the secret and comparing pixels. "ordinary" screens show what support threads are
 * full of and the guard must leave alone: versions, builds, dates, prices, error and event
 * codes, KB and order numbers, GUIDs. All names, codes and numbers are made up.
 */
import sharp from 'sharp';
import type { SensitiveKind } from '../server/privacy';
import type { Box } from '../server/images';

export interface Screen {
  name: string;
  png: Buffer;
  /** Private screens: what must be found, and where (pixels). */
  secret?: { kind: SensitiveKind; text: string; box: Box };
}

interface Style {
  font: string;
  size: number;
  fg: string;
  muted: string;
  bg: string;
  panel: string;
  accent: string;
  label: string;
}

const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono', 'DejaVu Sans Condensed'];
const THEMES = [
  { fg: '#1f1f1f', muted: '#555555', bg: '#f3f3f3', panel: '#ffffff', accent: '#2b579a', label: 'light' },
  { fg: '#e8e8e8', muted: '#b0b0b0', bg: '#1e1e1e', panel: '#2d2d30', accent: '#0e639c', label: 'dark' },
  { fg: '#a3a3a3', muted: '#b5b5b5', bg: '#f2f2f2', panel: '#f7f7f7', accent: '#a9c1da', label: 'low-contrast' },
  { fg: '#102a43', muted: '#486581', bg: '#d9e2ec', panel: '#f0f4f8', accent: '#334e68', label: 'blue' },
];
const SIZES = [12, 13, 14, 15, 16, 18, 20];

/** Deterministic pseudo-random numbers (mulberry32), so every run renders the same screens. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    chars: (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''),
  };
}
type Rng = ReturnType<typeof rng>;

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const FIRST = ['jane', 'pat', 'alex', 'sam', 'robin', 'kim', 'lee', 'maria', 'omar', 'yuki'];
const LAST = ['roe', 'doe', 'kim', 'silva', 'novak', 'okafor', 'lindqvist', 'tanaka', 'haddad'];
const DOMAINS = ['contoso.com', 'fabrikam.org', 'example.net', 'northwind.io', 'adatum.co.uk'];

/** A code with letters and digits: three or four dash-separated groups of four, or one run. */
function accessCode(r: Rng, grouped = true): string {
  const groups = r.int(3, 4);
  for (;;) {
    const code = grouped ? Array.from({ length: groups }, () => r.chars(CODE_ALPHABET, 4)).join('-') : r.chars(CODE_ALPHABET, 10);
    if (/\d/.test(code) && /[A-Z]/.test(code)) return code;
  }
}

/** [label text, secret text, kind] for a private screen. */
function secretFor(r: Rng, i: number): [string, string, SensitiveKind] {
  switch (i % 7) {
    case 0:
      return ['Your access code:', accessCode(r), 'access_code'];
    case 1:
      return ['Activation code', accessCode(r, false), 'access_code'];
    case 2:
      return ['Exam voucher:', accessCode(r), 'access_code'];
    case 3:
      return ['MCID:', String(r.int(100_000_000, 999_999_999)), 'certification_id'];
    case 4: {
      const n = String(r.int(100_000_000, 999_999_999));
      return ['Certification ID', `${n.slice(0, 4)} ${n.slice(4, 8)} ${n.slice(8)}`, 'certification_id'];
    }
    case 5:
      return ['Signed in as', `${r.pick(FIRST)}.${r.pick(LAST)}@${r.pick(DOMAINS)}`, 'email'];
    default:
      return ['Email address:', `${r.pick(FIRST)}${r.int(1, 99)}@${r.pick(DOMAINS)}`, 'email'];
  }
}

/** Lines an ordinary screen shows (no secrets; the guard must stay silent). */
function ordinaryLines(r: Rng, i: number): string[] {
  const build = `${r.int(16000, 17999)}.${r.int(20000, 20999)}`;
  const date = `${r.int(1, 28)} ${r.pick(['January', 'March', 'June', 'October'])} 202${r.int(3, 6)}`;
  const price = `$${r.int(4, 199)}.${r.pick(['99', '49', '00'])}`;
  const hex = `0x8007${r.chars('0123456789ABCDEF', 4)}`;
  const guid = `${r.chars('0123456789abcdef', 8)}-${r.chars('0123456789abcdef', 4)}-4${r.chars('0123456789abcdef', 3)}-a${r.chars('0123456789abcdef', 3)}-${r.chars('0123456789abcdef', 12)}`;
  switch (i % 6) {
    case 0:
      return [
        'About Microsoft Word',
        'Microsoft 365 Apps for enterprise',
        `Version 2402 (Build ${build} Click-to-Run)`,
        `Last updated ${date}`,
      ];
    case 1:
      return ['Something went wrong', `Error code: ${hex}`, `Correlation ID: ${guid}`, `Time: ${date} ${r.int(1, 12)}:${r.int(10, 59)} PM`];
    case 2:
      return [
        'Update history',
        `KB50${r.int(10000, 99999)} installed on ${r.int(1, 12)}/${r.int(1, 28)}/2024`,
        `Windows 11 Pro 23H2 OS build 22631.${r.int(1000, 4999)}`,
        'Restart required',
      ];
    case 3:
      return [
        'Billing',
        `Order ${r.int(1_000_000, 9_999_999)} - Total ${price}/month`,
        `Next payment: ${date}`,
        `Invoice INV-${r.int(100000, 999999)}`,
      ];
    case 4:
      return [
        'Event Viewer',
        `Event ID ${r.int(1000, 9999)} Application Error`,
        `Faulting application excel.exe, version 16.0.${build}`,
        `Exception code: 0xc0000005 at offset 0x${r.chars('0123456789abcdef', 8)}`,
      ];
    default:
      return [
        'Network',
        `HTTP ${r.pick([404, 500, 503])} - request failed after ${r.int(2, 59)} s`,
        `Server 10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)} port ${r.int(1024, 65000)}`,
        `Version ${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 200)} (${date})`,
      ];
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function text(
  x: number,
  y: number,
  s: string,
  st: Style,
  opts: { size?: number; fill?: string; weight?: string; hidden?: boolean } = {},
): string {
  const fill = opts.hidden ? 'none' : (opts.fill ?? st.fg);
  return `<text x="${x}" y="${y}" font-family="${st.font}" font-size="${opts.size ?? st.size}" font-weight="${opts.weight ?? 'normal'}" fill="${fill}">${esc(s)}</text>`;
}

/** The screen: chrome, a side menu, a dialog with a heading and lines; `secretAt` places the secret. */
function svg(
  st: Style,
  heading: string,
  lines: string[],
  secret: { label: string; value: string; layout: 'inline' | 'below' } | undefined,
  hideSecret: boolean,
): string {
  const W = 1280;
  const H = 800;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">`,
    `<rect width="${W}" height="${H}" fill="${st.bg}"/>`,
    `<rect width="${W}" height="48" fill="${st.accent}"/>`,
    text(24, 31, 'Support Portal', st, { size: 17, fill: '#ffffff', weight: 'bold' }),
    text(W - 220, 31, 'Help   Settings', st, { size: 15, fill: '#ffffff' }),
    `<rect x="0" y="48" width="220" height="${H - 48}" fill="${st.panel}"/>`,
    ...['Home', 'My profile', 'Certifications', 'Orders', 'Downloads'].map((m, i) =>
      text(24, 100 + 40 * i, m, st, { size: 15, fill: st.muted }),
    ),
    `<rect x="300" y="120" width="860" height="520" rx="6" fill="${st.panel}" stroke="${st.muted}" stroke-opacity="0.4"/>`,
    text(340, 180, heading, st, { size: Math.round(st.size * 1.5), weight: 'bold' }),
  ];
  let y = 240;
  for (const line of lines) {
    parts.push(text(340, y, line, st));
    y += Math.round(st.size * 2.6);
  }
  if (secret) {
    const labelWidth = Math.round(secret.label.length * st.size * 0.62) + 16;
    parts.push(text(340, y, secret.label, st, { fill: st.muted }));
    const [sx, sy] = secret.layout === 'inline' ? [340 + labelWidth, y] : [340, y + Math.round(st.size * 1.9)];
    parts.push(text(sx, sy, secret.value, st, { hidden: hideSecret, weight: 'bold' }));
    y = sy + Math.round(st.size * 2.6);
  }
  parts.push(
    `<rect x="${1160 - 260}" y="570" width="110" height="40" rx="4" fill="${st.accent}"/>`,
    text(1160 - 240, 596, 'Continue', st, { size: 15, fill: '#ffffff' }),
  );
  parts.push(
    `<rect x="${1160 - 135}" y="570" width="110" height="40" rx="4" fill="none" stroke="${st.muted}"/>`,
    text(1160 - 112, 596, 'Cancel', st, { size: 15, fill: st.muted }),
  );
  parts.push('</svg>');
  return parts.join('');
}

async function render(s: string): Promise<Buffer> {
  return sharp(Buffer.from(s)).png().toBuffer();
}

/** Every third screen as a JPEG at quality 70, as some screenshot tools and chat apps save them. */
function asUploaded(png: Buffer, i: number): Promise<Buffer> {
  return i % 3 === 2 ? sharp(png).jpeg({ quality: 70 }).toBuffer() : Promise.resolve(png);
}

const suffix = (i: number) => (i % 3 === 2 ? '-jpeg' : '');

/** The rectangle where two renderings of the same size differ. */
async function differingBox(a: Buffer, b: Buffer): Promise<Box> {
  const [ra, rb] = await Promise.all([a, b].map((x) => sharp(x).removeAlpha().raw().toBuffer({ resolveWithObject: true })));
  const { width, height, channels } = ra!.info;
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      if (ra!.data[i] !== rb!.data[i] || ra!.data[i + 1] !== rb!.data[i + 1] || ra!.data[i + 2] !== rb!.data[i + 2]) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

function style(r: Rng, i: number): Style {
  const theme = THEMES[i % THEMES.length]!;
  return { ...theme, font: FONTS[Math.floor(i / THEMES.length) % FONTS.length]!, size: r.pick(SIZES) };
}

/** `count` screens showing one secret each (kinds, fonts and themes in rotation). */
export async function privateScreens(count: number, seed = 16): Promise<Screen[]> {
  const r = rng(seed);
  const screens: Screen[] = [];
  for (let i = 0; i < count; i++) {
    const st = style(r, i);
    const [label, value, kind] = secretFor(r, i);
    const heading = kind === 'email' ? 'Account' : kind === 'certification_id' ? 'Certification profile' : 'Redeem your code';
    const lines = ['Keep this information private.', `Last signed in ${r.int(1, 28)} March 2024 from Windows 11.`];
    const secret = { label, value, layout: r.pick(['inline', 'inline', 'below'] as const) };
    const [png, without] = await Promise.all([
      render(svg(st, heading, lines, secret, false)),
      render(svg(st, heading, lines, secret, true)),
    ]);
    screens.push({
      name: `private-${i}-${kind}-${st.label}-${st.font.replace(/\s/g, '')}-${st.size}px${suffix(i)}`,
      png: await asUploaded(png, i),
      secret: { kind, text: value, box: await differingBox(png, without) },
    });
  }
  return screens;
}

/** `count` screens with versions, dates, prices and error codes only. */
export async function ordinaryScreens(count: number, seed = 61): Promise<Screen[]> {
  const r = rng(seed);
  const screens: Screen[] = [];
  for (let i = 0; i < count; i++) {
    const st = style(r, i);
    const [heading, ...lines] = ordinaryLines(r, i);
    screens.push({
      name: `ordinary-${i}-${st.label}-${st.font.replace(/\s/g, '')}-${st.size}px${suffix(i)}`,
      png: await asUploaded(await render(svg(st, heading!, lines, undefined, false)), i),
    });
  }
  return screens;
}
