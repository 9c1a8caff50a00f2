import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError, PayloadTooLargeError, ValidationError, RateLimitedError } from '../kernel/errors';
import { wantsJson } from './negotiate';

/**
 * A form page that can be re-rendered with the user's input and the error message.
 * Handlers attach it to the request before validating (`req.formView = {...}`), so
 * nothing a user typed is lost on a validation error.
 */
export interface FormView {
  view: string;
  locals: Record<string, unknown>;
}

declare module 'express-serve-static-core' {
  interface Request {
    formView?: FormView;
  }
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError('That page does not exist.'));
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appError = toAppError(err);
  const log = req.log;
  if (!appError) {
    log?.error({ err, reqId: req.id }, 'unhandled error');
  } else if (appError.status >= 500) {
    log?.error({ err, reqId: req.id }, appError.message);
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  // Errors can happen before the page locals exist (an oversized or unparsable body is
  // refused before the session is read): the layout must still render.
  res.locals.currentUser ??= req.user ?? null;
  res.locals.csrfToken ??= () => '';
  res.locals.title ??= '';
  res.locals.error ??= null;
  res.locals.fieldErrors ??= {};
  const status = appError?.status ?? 500;
  const code = appError?.code ?? 'internal';
  const message = appError?.message ?? `Something went wrong on our side. Reference: ${req.id}`;
  if (appError instanceof RateLimitedError) res.setHeader('Retry-After', String(appError.retryAfterSeconds));
  res.status(status);
  if (wantsJson(req)) {
    const body: Record<string, unknown> = { code, message };
    if (appError?.details) Object.assign(body, appError.details);
    res.json({ error: body });
    return;
  }
  if (appError && status < 500 && req.formView) {
    const fields = appError instanceof ValidationError ? appError.fields : {};
    res.render(req.formView.view, {
      ...req.formView.locals,
      error: message,
      errorCode: code,
      fieldErrors: fields,
      details: appError.details ?? {},
    });
    return;
  }
  res.render('error', { title: status === 404 ? 'Not found' : 'Error', status, code, message });
};

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; code?: string; name?: string };
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError();
  if (e?.type === 'entity.parse.failed' || e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new ValidationError('The request body could not be parsed.');
  }
  if (e?.name === 'CastError' || e?.name === 'BSONError') return new ValidationError('A value has the wrong type.');
  if (e?.name === 'ValidationError' && (err as { errors?: unknown }).errors) {
    return new ValidationError('Some fields are invalid.');
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, e.code ?? 'bad_request', (err as Error).message || 'Bad request.');
  }
  return null;
}
