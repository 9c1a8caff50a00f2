import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  AppError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
  RateLimitedError,
  ServiceUnavailableError,
} from '../kernel/errors';
import { databaseUnavailable, isDatabaseUnreachable } from './database-gate';
import { isApiRequest } from './endpoint';

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError('That page does not exist.'));
};

/**
 * The one error path. AppErrors keep their status and code; body-parser and mongoose errors
 * become 400/413; an unreachable database becomes 503 with Retry-After; anything else is a
 * bug: logged with the request id, shown as a plain 500.
 * JSON for API requests (server/http/endpoint.ts isApiRequest); for pages, the endpoint's form
 * again with the person's input when it declares one (any 4xx but 404, and the rate limiter's
 * 429 only where the endpoint says its form is cheap: formOnLimit), else the error page.
 */
export const errorHandler: ErrorRequestHandler = async (err, req, res, _next) => {
  const log = req.log;
  if (res.headersSent) {
    // Answered already (a request timeout, server/http/load-shedding.ts): the route's late
    // answer is dropped.
    if ((err as { code?: string })?.code === 'ERR_HTTP_HEADERS_SENT') log?.debug({ reqId: req.id }, 'late answer dropped');
    else log?.error({ err, reqId: req.id }, 'error after the response was sent');
    if (!res.writableEnded) res.end();
    return;
  }
  const appError = toAppError(err);
  if (appError instanceof ServiceUnavailableError) {
    log?.warn({ reqId: req.id, code: appError.code }, appError.message);
  } else if (!appError) {
    log?.error({ err, reqId: req.id }, 'unhandled error');
  } else if (appError.status >= 500) {
    log?.error({ err, reqId: req.id }, appError.message);
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
  if (appError instanceof RateLimitedError || appError instanceof ServiceUnavailableError)
    res.setHeader('Retry-After', String(appError.retryAfterSeconds));
  else if (typeof appError?.details?.retryAfterSeconds === 'number')
    res.setHeader('Retry-After', String(appError.details.retryAfterSeconds));
  res.status(status);
  if (isApiRequest(req)) {
    const body: Record<string, unknown> = { code, message };
    if (appError?.details) Object.assign(body, appError.details);
    res.json({ error: body });
    return;
  }
  // A quota refusal (429 from the endpoint itself) shows the form again; the rate limiter's
  // 429 shows it only where the endpoint says its form is cheap to build (formOnLimit).
  if (appError && status < 500 && status !== 404 && (!(appError instanceof RateLimitedError) || req.formOnLimit) && req.formView) {
    res.locals.endpointError = appError;
    try {
      const form = await req.formView();
      if (form) {
        const fields = appError instanceof ValidationError ? appError.fields : {};
        res.render(form.view, { ...form.locals, error: message, errorCode: code, fieldErrors: fields, details: appError.details ?? {} });
        return;
      }
    } catch (formErr) {
      log?.error({ err: formErr, reqId: req.id }, 'could not show the form again');
    }
  }
  res.render('error', { title: status === 404 ? 'Not found' : 'Error', status, code, message });
};

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (isDatabaseUnreachable(err)) return databaseUnavailable('interrupted');
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
