import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Hands a rejected promise to the error handler (express 5 does too; kept explicit for clarity). */
export const asyncHandler = (fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>): RequestHandler =>
  (req, res, next) => { fn(req, res, next).catch(next); };
