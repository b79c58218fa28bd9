/**
 * Checks every state-changing endpoint runs before it reads a session or a body: the request must come from this
 * app's own origin (CSRF: a browser attaches the session cookie to requests any site makes), and carry the one
 * content type the endpoint parses. Token-authenticated requests are not a browser's ambient credential, so the
 * origin check leaves them alone.
 */

function firstValue(header: string | null): string | undefined {
  const value = header?.split(',')[0]?.trim();
  return value ? value : undefined;
}

/**
 * The origins this very request was addressed to (Better Auth trusts them too, server/auth/better-auth.ts): the URL it arrived at, its Host header, and behind a proxy the
 * X-Forwarded-Host/-Proto the proxy set. A cross-site page cannot forge these on a victim's browser (custom
 * headers need a CORS preflight, which this app never grants), so trusting them is safe for this check.
 */
export function ownOrigins(request: Request): Set<string> {
  const url = new URL(request.url);
  const proto = firstValue(request.headers.get('x-forwarded-proto')) ?? url.protocol.replace(':', '');
  const origins = new Set([url.origin]);
  for (const host of [request.headers.get('host'), firstValue(request.headers.get('x-forwarded-host'))]) {
    if (!host) continue;
    try {
      origins.add(new URL(`${proto}://${host}`).origin);
    } catch {
      // A malformed Host yields no origin to compare with; the request is then judged by the others.
    }
  }
  return origins;
}

/**
 * Why a browser request made by another site is refused, or null when it may proceed: an `Origin` that is neither
 * the request's own nor trusted (`null`, sent by sandboxed frames and privacy-preserving redirects, counts as
 * foreign), or, when no Origin is sent, `Sec-Fetch-Site: cross-site`. A request with an `Authorization` header is
 * judged by its token alone (the cookie beside it is ignored, see server/context.ts), so it passes.
 * `trustedOrigins` are other origins of this app (env TRUSTED_ORIGINS).
 */
export function foreignOriginReason(request: Request, trustedOrigins: readonly string[] = []): string | null {
  if (request.headers.has('authorization')) return null;
  const origin = request.headers.get('origin');
  if (origin !== null) {
    if (ownOrigins(request).has(origin) || trustedOrigins.includes(origin)) return null;
    return (
      `Cross-site request refused: Origin ${origin} is not this app's origin ` +
      '(behind a proxy, forward Host or X-Forwarded-Host; another origin of this app goes in TRUSTED_ORIGINS)'
    );
  }
  if (request.headers.get('sec-fetch-site') === 'cross-site') {
    return 'Cross-site request refused (Sec-Fetch-Site: cross-site)';
  }
  return null;
}

/** {@link foreignOriginReason} as a 403 response, or null when the request may proceed. */
export function refuseForeignOrigin(request: Request, trustedOrigins?: readonly string[]): Response | null {
  const reason = foreignOriginReason(request, trustedOrigins);
  return reason === null ? null : Response.json({ error: reason }, { status: 403 });
}

/** The media type of a request, lower case, without parameters (`text/csv; charset=utf-8` → `text/csv`). */
export function mediaTypeOf(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Refuses (415) a body of any other media type than `accepted`. Besides saying what to send, this keeps requests
 * a foreign page can make without a CORS preflight (text/plain, form posts) from being parsed as something else.
 */
export function refuseMediaType(request: Request, accepted: readonly string[]): Response | null {
  const type = mediaTypeOf(request);
  if (accepted.includes(type)) return null;
  return Response.json(
    { error: `Unsupported Content-Type ${type || '(none)'}: send ${accepted.join(' or ')}` },
    { status: 415, headers: { 'accept-post': accepted.join(', ') } },
  );
}
