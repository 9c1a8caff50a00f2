import type { Request } from 'express';
import { AUDIT_ACTIONS } from '../audit';
import { endpoint, type AnyEndpoint } from '../http/endpoint';
import { isAdmin } from '../kernel/actor';
import { parseInput } from '../kernel/validate';
import { auditQuery } from './audit-log';
import type { Admin } from './index';
import { supportSettingsPatch, type SupportSettingsView } from './support-settings';

/**
 * Administration routes, each page with its JSON twin: the front page, the support settings
 * (GET/PATCH /api/admin/support-settings), the audit log (GET /api/admin/audit, and
 * /admin/audit.csv).
 */
const FORM_FIELDS = ['zone', 'open', 'close', 'days', 'holidayCountry', 'holidayRegion', 'closedDates', 'lockAfterDays'] as const;

/** A form post sends every field; unchanged ones stay as they are, "days" may be missing (no box ticked). */
function settingsFromForm(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FORM_FIELDS) if (body[f] !== undefined) out[f] = body[f];
  if (out.days === undefined) out.days = [];
  if (out.closedDates === '') out.closedDates = [];
  return out;
}

export function adminEndpoints(admin: Admin): AnyEndpoint[] {
  const { settings, auditScreen } = admin;
  const settingsLocals = (view: SupportSettingsView, saved = false, draft: Record<string, unknown> | null = null) => ({
    title: 'Support settings',
    view,
    choices: settings.choices(view.settings.holidayCountry),
    saved,
    draft,
  });
  const typedDraft = (req: Request) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const draft: Record<string, unknown> = {};
    for (const f of FORM_FIELDS) if (typeof b[f] === 'string' || Array.isArray(b[f])) draft[f] = b[f];
    return draft;
  };

  return [
    endpoint({
      page: 'GET /admin',
      access: 'staff',
      run: ({ actor }) => ({ admin: isAdmin(actor) }),
      html: (res, out) => res.render('admin/index', { title: 'Administration', ...out }),
    }),
    endpoint({
      page: 'GET /admin/support-settings',
      api: 'GET /api/admin/support-settings',
      access: 'admin',
      run: ({ actor }) => settings.get(actor),
      html: (res, view, { req }) => res.render('admin/support-settings', settingsLocals(view, req.query.saved === '1')),
    }),
    endpoint({
      page: 'POST /admin/support-settings',
      api: 'PATCH /api/admin/support-settings',
      access: 'admin',
      input: (req, kind) =>
        parseInput(supportSettingsPatch, kind === 'page' ? settingsFromForm((req.body ?? {}) as Record<string, unknown>) : req.body),
      run: ({ actor, input }) => settings.update(actor, input),
      html: (res) => res.redirect(303, '/admin/support-settings?saved=1'),
      form: async (req) => ({
        view: 'admin/support-settings',
        locals: settingsLocals(await settings.get(req.user ?? null), false, typedDraft(req)),
      }),
    }),
    endpoint({
      page: 'GET /admin/audit',
      api: 'GET /api/admin/audit',
      access: 'admin',
      input: (req) => parseInput(auditQuery, req.query),
      run: ({ actor, input }) => auditScreen.page(actor, input),
      html: (res, result) => res.render('admin/audit', { title: 'Audit log', ...result, actions: AUDIT_ACTIONS }),
      json: (result) => ({ entries: result.entries, next: result.next }),
    }),
    endpoint({
      page: 'GET /admin/audit.csv',
      access: 'admin',
      input: (req) => parseInput(auditQuery, req.query),
      run: async ({ actor, input }) => {
        // The first chunk is read here, so a refusal or a bad filter is an ordinary error page.
        const lines = auditScreen.csv(actor, input);
        return { lines, first: await lines.next() };
      },
      html: async (res, { lines, first }) => {
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', 'attachment; filename="audit-log.csv"');
        if (!first.done) res.write(first.value);
        for await (const chunk of lines) res.write(chunk);
        res.end();
      },
    }),
  ];
}
