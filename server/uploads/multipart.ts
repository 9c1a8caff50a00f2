import multer from 'multer';
import type { RequestHandler } from 'express';
import { AppError, ValidationError } from '../kernel/errors';
import { formatBytes, UploadError } from '../images';

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * Set by the multipart parser when the file was refused while reading it (over the size
     * limit): the fields read before it are in req.body, so the form can be shown again.
     */
    uploadProblem?: AppError;
  }
}

/**
 * The multipart parser for uploads (multer, memory storage): one file in the field `file`,
 * at most `maxFileBytes` (the largest upload cap), the other fields as strings. A file over
 * the cap is cut off while streaming, never buffered whole; the request is refused at once
 * when its declared length is far above anything acceptable. A file over the cap does not
 * fail the request here: `req.uploadProblem` says why, and the form keeps the fields read
 * before the file (forms put the file input after the text). Other requests pass untouched.
 */
export function multipartParser(limits: { maxFileBytes: number; fieldBytes: number }): RequestHandler {
  const parse = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: limits.maxFileBytes, files: 1, fields: 200, fieldSize: limits.fieldBytes, parts: 210 },
    defParamCharset: 'utf8',
  }).single('file');
  const hopeless = 4 * limits.maxFileBytes + 4 * 1024 * 1024;
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > hopeless) {
      res.setHeader('Connection', 'close');
      return next(
        new UploadError('too_large', `Files can be at most ${formatBytes(limits.maxFileBytes)}.`, { maxBytes: limits.maxFileBytes }),
      );
    }
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE') {
          req.uploadProblem = new UploadError('too_large', `This file is larger than ${formatBytes(limits.maxFileBytes)}.`, {
            maxBytes: limits.maxFileBytes,
          });
          return next();
        }
        const message =
          err.code === 'LIMIT_UNEXPECTED_FILE' || err.code === 'LIMIT_FILE_COUNT'
            ? 'Send one file, in the field "file".'
            : 'The form could not be read: too many or too long fields.';
        return next(new ValidationError(message, { file: message }));
      }
      // Malformed or truncated multipart (a client that stopped sending): the client's fault.
      next(new ValidationError('The form could not be read: it was cut off or malformed.'));
    });
  };
}
