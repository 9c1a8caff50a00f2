import { findSensitive, type SensitiveKind, type SensitiveMatch } from '../privacy';
import type { SecureFieldInput } from './secure-fields';
import type { SecureFieldKind } from '../../models/message';

const FIELD_KIND: Record<SensitiveKind, SecureFieldKind> = {
  certification_id: 'certification_id',
  access_code: 'access_code',
  email: 'other',
  phone: 'other',
  card_number: 'other',
  product_key: 'other',
  password: 'other',
};

/**
 * For private messages: every detected value becomes a secure field (encrypted, masked,
 * audited on reveal) and the text keeps a placeholder naming it, so a secret pasted into
 * the body is never stored in the clear.
 */
export function extractSecrets(text: string): { text: string; secrets: SecureFieldInput[] } {
  const matches: SensitiveMatch[] = findSensitive(text);
  if (matches.length === 0) return { text, secrets: [] };
  let out = '';
  let pos = 0;
  const secrets: SecureFieldInput[] = [];
  for (const m of matches) {
    out += `${text.slice(pos, m.start)}[secure field: ${m.label}]`;
    secrets.push({ kind: FIELD_KIND[m.kind], label: m.label, value: text.slice(m.start, m.end) });
    pos = m.end;
  }
  return { text: out + text.slice(pos), secrets };
}
