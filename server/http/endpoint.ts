import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { isAdmin, isStaff, type Actor } from '../kernel/actor';
import { AppError, ForbiddenError, UnauthorizedError } from '../kernel/errors';
import type { RateAction } from './rate-limit';
import { noStore } from './security';

/**
 * One declaration per endpoint: the page route and its `/api/...` JSON twin, who may call it,
 * its rate limit, how the request becomes the service input, the one service call, and how
 * the result is shown as HTML and as JSON. `mountEndpoints` registers both routes with the
 * guards ALWAYS in this order:
 *
 *   1. access  anonymous -> sign-in page (HTML GET) or 401; signed in but not allowed -> 403
 *      (body)  a multipart body is parsed here, after access and before CSRF (`parseBody`,
 *              `attach`): a multipart form carries its CSRF token in the body
 *   2. CSRF    every state change (any method but GET/HEAD) -> 403 `csrf` when the token is bad
 *              (an endpoint may opt out with `csrf: false`: RFC 8058 one-click unsubscribe only)
 *   3. limit   the named rate limit -> 429 with Retry-After
 *   4. input   parse and validate -> 400 `validation`, nothing changed
 *   5. run     the service call (which checks object access: someone else's object is a 404)
 *   6. answer  HTML (render or redirect) or JSON (`status`, body)
 *
 * Errors take one path (server/http/error-handler.ts): JSON `{error: {code, message, ...}}`
 * for the API twin, an error page for pages, or, when the endpoint declares `form`, the form
 * again with what the person typed and the message (nothing a user typed is lost).
 */
export type Access = 'public' | 'user' | 'staff' | 'admin';
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RouteSpec = `${Method} /${string}`;

export interface Call<I> {
  actor: Actor | null;
  input: I;
  req: Request;
  res: Response;
}

/** A page to show again after a 4xx, with the person's input and the error. */
export interface FormView {
  view: string;
  locals: Record<string, unknown>;
}

export interface Endpoint<I = unknown, R = unknown> {
  /** The HTML route, e.g. `POST /threads/:id/replies` (or several paths for one page). */
  page?: RouteSpec | RouteSpec[];
  /** The JSON twin, e.g. `POST /api/threads/:id/replies`. */
  api?: RouteSpec;
  access: Access;
  /** A named rate limit, or a function choosing one per request (undefined: none). */
  limit?: RateAction | ((req: Request) => RateAction | undefined);
  /** The service input from params, query and body; throws ValidationError. */
  input?: (req: Request, kind: 'page' | 'api') => I;
  /** The one service call. */
  run: (call: Call<I>) => Promise<R> | R;
  /** HTML answer: render or redirect. Required when `page` is set. */
  html?: (res: Response, result: R, call: Call<I>) => void | Promise<void>;
  /** JSON body (default: the result itself). Undefined -> 204. */
  json?: (result: R, call: Call<I>) => unknown;
  /** JSON success status (default 200). */
  status?: number;
  /**
   * Built after a 4xx on the page route (`err`), or after a file was uploaded from the form
   * (`err` null, see `attach`): the form to render again with what the person typed.
   */
  form?: (req: Request, err: AppError | null) => FormView | Promise<FormView>;
  /**
   * Show `form` after a 429 from the rate limit too, so the draft is kept. Only for forms that
   * are cheap to build: a flood of refused requests must not cost more than it did.
   */
  formOnLimit?: boolean;
  /** Responses may hold a secret: `Cache-Control: no-store`. */
  noStore?: boolean;
  /**
   * `false` skips the CSRF guard. Only for RFC 8058 one-click unsubscribe, which mail
   * providers POST without any token: the signed URL itself is the credential.
   */
  csrf?: false;
  /** A body parser for this route (multipart), run after the access guard and before CSRF. */
  parseBody?: RequestHandler;
  /**
   * Page route only: the form may carry a file (multipart, field `file`) to upload without
   * JavaScript. When it does (or its submit button says `intent=upload`), the file is stored
   * through `EndpointPlumbing.attach`, its Markdown is appended to the `body` field, and the
   * form (`form`, required) is shown again with a notice instead of running the endpoint.
   */
  attach?: AttachSpec;
}

/** Where a file uploaded from a form is shown: a public post, or a private conversation. */
export interface AttachSpec {
  scope: 'public' | 'private';
  /** The conversation a private message form writes to (none for a new conversation). */
  conversationId?: (req: Request) => string | undefined;
}

/** Uploads from page forms (the uploads domain implements it; server/app.ts passes it in). */
export interface FormAttachments {
  /** Parses a multipart body (leaves any other request alone). */
  parse: RequestHandler;
  /** Whether this request is the form's upload step rather than its own action. */
  isUploadStep(req: Request): boolean;
  /** Stores the request's file for the actor; the Markdown to insert and a notice for the page. */
  store(actor: Actor, req: Request, spec: AttachSpec): Promise<{ markdown: string; notice: string }>;
}

/** An endpoint of any input and result type, for lists of declarations. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEndpoint = Endpoint<any, any>;

/** What the helper needs from the app: CSRF verification and the named rate limiters. */
export interface EndpointPlumbing {
  csrf: RequestHandler;
  limit: (action: RateAction) => RequestHandler;
  /** Without it, `attach` declarations are ignored (forms then take no files). */
  attach?: FormAttachments;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by mountEndpoints: this route answers JSON (the API twin). */
    api?: boolean;
    /** Set by mountEndpoints on a page route: the form to show again after a 4xx. */
    formView?: () => Promise<FormView | null>;
    /** The page route shows its form after a 429 too (Endpoint.formOnLimit). */
    formOnLimit?: boolean;
  }
}

/** JSON for API twins, and for any other `/api/` path (404s, body parse errors). */
export function isApiRequest(req: Request): boolean {
  return req.api ?? req.originalUrl.startsWith('/api/');
}

/** The actor for a request (or null). */
export const actorOf = (req: { user?: Express.User }): Actor | null => (req.user ? { ...req.user } : null);

function accessGuard(access: Access, kind: 'page' | 'api'): RequestHandler {
  return (req, res, next) => {
    if (access === 'public') return next();
    const actor = req.user;
    if (!actor) {
      if (kind === 'page' && req.method === 'GET') return res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
      return next(new UnauthorizedError());
    }
    if (access === 'staff' && !isStaff(actor)) return next(new ForbiddenError('Only support moderators can do that.'));
    if (access === 'admin' && !isAdmin(actor)) return next(new ForbiddenError('Only administrators can do that.'));
    next();
  };
}

function limitGuard(limit: Endpoint['limit'], plumbing: EndpointPlumbing, uploads: FormAttachments | null): RequestHandler | null {
  if (!limit && !uploads) return null;
  if (typeof limit === 'string' && !uploads) return plumbing.limit(limit);
  return (req, res, next) => {
    // A form's upload step counts against the upload limit, not the form's own.
    const action = uploads?.isUploadStep(req) ? 'upload' : typeof limit === 'function' ? limit(req) : limit;
    return action ? plumbing.limit(action)(req, res, next) : next();
  };
}

/** Page routes with a form: how to show it again after an error (set before the rate limit). */
function formGuard<I, R>(e: Endpoint<I, R>): RequestHandler {
  const form = e.form!;
  return (req, res, next) => {
    // The router resets req.params once the error leaves this route: keep this route's.
    const params = req.params;
    req.formView = async () => {
      const err = res.locals.endpointError as AppError | undefined;
      req.params = params;
      return err ? form(req, err) : null;
    };
    req.formOnLimit = e.formOnLimit ?? false;
    next();
  };
}

/** The text with a Markdown reference appended on a line of its own. */
function appendMarkdown(text: unknown, markdown: string): string {
  const before = typeof text === 'string' ? text.replace(/\s+$/, '') : '';
  return before ? `${before}\n\n${markdown}` : markdown;
}

function handler<I, R>(e: Endpoint<I, R>, kind: 'page' | 'api', uploads: FormAttachments | null): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (uploads?.isUploadStep(req) && e.form) {
        const actor = actorOf(req);
        if (!actor) throw new UnauthorizedError();
        const { markdown, notice } = await uploads.store(actor, req, e.attach!);
        const body = (req.body ?? {}) as Record<string, unknown>;
        body.body = appendMarkdown(body.body, markdown);
        const view = await e.form(req, null);
        res.render(view.view, { ...view.locals, uploadNotice: notice });
        return;
      }
      const input = (e.input ? e.input(req, kind) : undefined) as I;
      const call: Call<I> = { actor: actorOf(req), input, req, res };
      const result = await e.run(call);
      if (kind === 'page') {
        await e.html!(res, result, call);
        return;
      }
      const body = e.json ? e.json(result, call) : result;
      if (body === undefined) res.status(204).end();
      else res.status(e.status ?? 200).json(body);
    } catch (err) {
      if (err instanceof AppError) res.locals.endpointError = err;
      next(err);
    }
  };
}

/**
 * Registers every endpoint's page route and API twin on a new router, guards in the order
 * documented above. Throws at start-up on a declaration that cannot work (a page without an
 * HTML renderer, an API twin outside /api/).
 */
export function mountEndpoints(endpoints: readonly AnyEndpoint[], plumbing: EndpointPlumbing): Router {
  const router = Router();
  for (const e of endpoints) {
    const routes: Array<['page' | 'api', RouteSpec]> = [
      ...[e.page ?? []].flat().map((r) => ['page', r] as ['page', RouteSpec]),
      ...(e.api ? [['api', e.api] as ['api', RouteSpec]] : []),
    ];
    for (const [kind, spec] of routes) {
      const [method, path] = spec.split(' ') as [Method, string];
      if (kind === 'page' && !e.html) throw new Error(`endpoint ${spec} has a page route but no html renderer`);
      if (kind === 'api' && !path.startsWith('/api/')) throw new Error(`endpoint ${spec}: an API twin lives under /api/`);
      if (e.attach && kind === 'page' && !e.form) throw new Error(`endpoint ${spec}: attach needs a page route with a form`);
      const uploads = kind === 'page' && e.attach && plumbing.attach ? plumbing.attach : null;
      const chain: RequestHandler[] = [];
      if (kind === 'api') chain.push(markApi);
      if (e.noStore) chain.push(noStore);
      chain.push(accessGuard(e.access, kind));
      if (e.parseBody) chain.push(e.parseBody);
      if (uploads) chain.push(uploads.parse);
      if (method !== 'GET' && e.csrf !== false) chain.push(plumbing.csrf);
      if (kind === 'page' && e.form) chain.push(formGuard(e));
      const limit = limitGuard(e.limit, plumbing, uploads);
      if (limit) chain.push(limit);
      chain.push(handler(e, kind, uploads));
      router[method.toLowerCase() as Lowercase<Method>](path, ...chain);
    }
  }
  return router;
}

const markApi: RequestHandler = (req, _res, next) => {
  req.api = true;
  next();
};

/**
 * Declares one endpoint with its types inferred (input from `input`, result from `run`).
 * The identity function: it exists so each declaration is checked on its own.
 */
export function endpoint<I, R>(e: Endpoint<I, R>): Endpoint<I, R> {
  return e;
}
