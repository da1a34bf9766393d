import type { NextFunction, Request, Response } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { Errors, type ServiceError } from '../errors.js';
import { errorResponse, type HttpResponse } from '../odata/respond.js';

/**
 * Dataverse's service protection API limits (digest §9; "Service protection API limits"), per
 * user and server: at most `requests` requests and `executionMs` milliseconds of their combined
 * run time in each window of `windowSeconds`, and at most `concurrent` requests at once. A
 * `$batch` or a CreateMultiple is one request.
 */
export interface ServiceProtectionLimits {
  readonly windowSeconds: number;
  readonly requests: number;
  readonly executionMs: number;
  readonly concurrent: number;
}

/** Dataverse's figures: 6,000 requests and 1,200,000 ms per 300 s, 52 at once. */
export const DATAVERSE_LIMITS: ServiceProtectionLimits = { windowSeconds: 300, requests: 6000, executionMs: 1_200_000, concurrent: 52 };

/**
 * Express middleware that answers a request over a limit with `429 Too Many Requests`, a
 * `Retry-After` header (whole seconds until the window lets it through; 1 for the concurrency
 * limit, which Dataverse raises at once) and Dataverse's error: `0x80072326` over the concurrent
 * requests, `0x80072321` once the window's execution time is spent, `0x80072322` over the
 * window's request count. The count and the time are kept by rate-limiter-flexible (fixed windows
 * that start with a user's first request, where Dataverse slides them). `user` names the caller a
 * request counts for, from the response's locals (the signed-in user).
 */
export function serviceProtection(limits: ServiceProtectionLimits, user: (res: Response) => string): (req: Request, res: Response, next: NextFunction) => void {
  const requests = new RateLimiterMemory({ keyPrefix: 'requests', points: limits.requests, duration: limits.windowSeconds });
  const time = new RateLimiterMemory({ keyPrefix: 'time', points: limits.executionMs, duration: limits.windowSeconds });
  const running = new Map<string, number>();
  const refuse = (req: Request, res: Response, error: ServiceError, retryAfterMs: number) => {
    const out: HttpResponse = errorResponse(error, req.headers);
    res.status(out.status);
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    res.setHeader('OData-Version', '4.0');
    for (const [name, value] of Object.entries(out.headers)) res.setHeader(name, value);
    res.end(out.body);
  };
  return (req, res, next) => {
    const key = user(res);
    const now = running.get(key) ?? 0;
    if (now >= limits.concurrent) return refuse(req, res, Errors.concurrencyLimit(limits.concurrent), 1000);
    running.set(key, now + 1);
    const started = performance.now();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const left = running.get(key)! - 1;
      if (left) running.set(key, left); else running.delete(key);
      void time.penalty(key, Math.round(performance.now() - started));
    };
    const admit = async () => {
      const spent = await time.get(key);
      if (spent && spent.consumedPoints >= limits.executionMs) {
        end();
        return refuse(req, res, Errors.executionTimeLimit(limits.executionMs, limits.windowSeconds), spent.msBeforeNext);
      }
      try {
        await requests.consume(key);
      } catch (rejected) {
        end();
        return refuse(req, res, Errors.requestLimit(limits.requests, limits.windowSeconds), (rejected as { msBeforeNext: number }).msBeforeNext);
      }
      res.on('close', end);
      next();
    };
    admit().catch(next);
  };
}
