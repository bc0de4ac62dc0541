/**
 * AWS Signature Version 4 verification for the local dev server, so that the product's signed requests
 * (OpenSearch JS client + AwsSigv4Signer, which signs with the `aws4` package) are checked the way an
 * Amazon OpenSearch Service domain would check them, and rejected with the same 403 bodies.
 *
 * Only header-based signing (`Authorization: AWS4-HMAC-SHA256 ...`) is supported; presigned URLs are not.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SigV4Config {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
}

export interface IncomingForVerification {
  method: string;
  /** Raw path as received on the wire, without the query string. */
  path: string;
  /** Raw query string without the leading '?'. */
  query: string;
  /** Lower-case header names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type VerifyResult = { ok: true } | { ok: false; status: number; body: unknown };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SCOPE_TERMINATOR = 'aws4_request';
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

// Response texts. The ones marked "seen" were checked against real AWS responses quoted in public bug
// reports (GitHub issues); the others could not be found and are our best rendering of AWS's wording.
export const SigV4Messages = {
  // seen
  missingToken: 'Missing Authentication Token',
  // seen
  invalidToken: 'The security token included in the request is invalid.',
  // seen
  signatureMismatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  // seen (text of each missing part; AWS joins them and appends "Authorization=<header>", which we
  // leave out so a Basic credential sent by mistake is not echoed back)
  requiresCredential: "Authorization header requires 'Credential' parameter.",
  requiresSignature: "Authorization header requires 'Signature' parameter.",
  requiresSignedHeaders: "Authorization header requires 'SignedHeaders' parameter.",
  // seen as "...either a 'X-Amz-Date' or a 'Date' header."; we only accept X-Amz-Date, so we say so
  requiresDate: "Authorization header requires existence of a 'X-Amz-Date' header.",
  // seen: "Credential should be scoped to a valid region, not 'eu-west-1'. " (trailing space is AWS's)
  wrongRegion: (got: string) => `Credential should be scoped to a valid region, not '${got}'. `,
  // seen: "Credential should be scoped to correct service: 'batch'. " (names the expected service)
  wrongService: (expected: string) => `Credential should be scoped to correct service: '${expected}'. `,
  // not found; from memory of AWS's wording
  wrongTerminator: (got: string) =>
    `Credential should be scoped with a valid terminator: '${SCOPE_TERMINATOR}', not '${got}'. `,
  // not found; from memory of AWS's wording
  malformedCredential: (got: string) =>
    `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${got}'`,
  // not found; our own text
  unsupportedAlgorithm: (got: string) =>
    `Unsupported signing algorithm '${got}': this server only accepts '${ALGORITHM}'.`,
  // not found; from memory of AWS's wording
  badDate: (got: string) =>
    `Date must be in ISO-8601 'basic format'. Got '${got}'. See http://en.wikipedia.org/wiki/ISO_8601`,
  // not found; from memory of AWS's wording
  scopeDateMismatch: (scopeDate: string, amzDate: string) =>
    `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
  // not found; from memory of AWS's wording
  hostNotSigned: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
  // seen: "Signature expired: 20150411T064107Z is now earlier than 20150411T064135Z (20150411T064635Z - 5 min.)"
  expired: (date: string, limit: string, now: string) =>
    `Signature expired: ${date} is now earlier than ${limit} (${now} - 5 min.)`,
  // not found; mirrors the "expired" wording for dates in the future
  notYetCurrent: (date: string, limit: string, now: string) =>
    `Signature not yet current: ${date} is still later than ${limit} (${now} + 5 min.)`,
  // not found; S3's wording for the same check (S3 answers 400; we keep 403 like every other failure here)
  contentHashMismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
} as const;

function reject(message: string): VerifyResult {
  return { ok: false, status: 403, body: { message } };
}

export function verifySigV4(
  request: IncomingForVerification,
  config: SigV4Config,
  nowMs: number,
): VerifyResult {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') return reject(SigV4Messages.missingToken);

  const amzDate = headerValue(request.headers, 'x-amz-date');
  const parsed = parseAuthorization(authorization);
  const { credential, signature, signedHeaders } = parsed;
  if (!credential || !signature || !signedHeaders || !amzDate) {
    const missing = [
      credential ? undefined : SigV4Messages.requiresCredential,
      signature ? undefined : SigV4Messages.requiresSignature,
      signedHeaders ? undefined : SigV4Messages.requiresSignedHeaders,
      amzDate ? undefined : SigV4Messages.requiresDate,
    ];
    return reject(missing.filter((text) => text !== undefined).join(' '));
  }
  if (parsed.algorithm !== ALGORITHM) return reject(SigV4Messages.unsupportedAlgorithm(parsed.algorithm));

  const scope = parseCredential(credential);
  if (!scope) return reject(SigV4Messages.malformedCredential(credential));
  if (scope.region !== config.region) return reject(SigV4Messages.wrongRegion(scope.region));
  if (scope.service !== config.service) return reject(SigV4Messages.wrongService(config.service));
  if (scope.terminator !== SCOPE_TERMINATOR) return reject(SigV4Messages.wrongTerminator(scope.terminator));

  const signedAtMs = parseAmzDate(amzDate);
  if (signedAtMs === undefined) return reject(SigV4Messages.badDate(amzDate));
  if (scope.date !== amzDate.slice(0, 8)) return reject(SigV4Messages.scopeDateMismatch(scope.date, amzDate));
  const skewMessage = clockSkewMessage(amzDate, signedAtMs, nowMs);
  if (skewMessage) return reject(skewMessage);

  const signedHeaderNames = signedHeaders.split(';').map((name) => name.trim().toLowerCase());
  if (!signedHeaderNames.includes('host')) return reject(SigV4Messages.hostNotSigned);

  if (scope.accessKeyId !== config.accessKeyId) return reject(SigV4Messages.invalidToken);

  const bodyHash = sha256Hex(request.body);
  const declaredHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash.toLowerCase() !== bodyHash) {
    return reject(SigV4Messages.contentHashMismatch);
  }
  // The signer put the header's value (if any) into its canonical request, so we do too.
  const payloadHash = declaredHash ?? bodyHash;

  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    canonicalHeaders(request.headers, signedHeaderNames),
    signedHeaderNames.join(';'),
    payloadHash,
  ].join('\n');
  const credentialScope = [scope.date, scope.region, scope.service, scope.terminator].join('/');
  const stringToSign = [ALGORITHM, amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const expected = signingKeyHmac(
    config.secretAccessKey,
    scope.date,
    scope.region,
    scope.service,
    stringToSign,
  );

  return sameText(expected, signature.toLowerCase()) ? { ok: true } : reject(SigV4Messages.signatureMismatch);
}

interface AuthorizationParts {
  algorithm: string;
  credential?: string;
  signedHeaders?: string;
  signature?: string;
}

/** `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` → its parts (any may be missing). */
function parseAuthorization(header: string): AuthorizationParts {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  const parts: AuthorizationParts = { algorithm };
  if (space < 0) return parts;
  for (const piece of trimmed.slice(space + 1).split(',')) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const key = piece.slice(0, eq).trim();
    const value = piece.slice(eq + 1).trim();
    if (key === 'Credential') parts.credential = value;
    else if (key === 'SignedHeaders') parts.signedHeaders = value;
    else if (key === 'Signature') parts.signature = value;
  }
  return parts;
}

interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

function parseCredential(credential: string): CredentialScope | undefined {
  const elements = credential.split('/');
  if (elements.length !== 5) return undefined;
  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] = elements;
  return { accessKeyId, date, region, service, terminator };
}

/** `20240101T120000Z` → epoch ms, or undefined when not in ISO-8601 basic format. */
function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const ms = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  // Date.UTC rolls over invalid fields (month 13); a round trip catches that.
  return formatAmzDate(ms) === value ? ms : undefined;
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

function clockSkewMessage(amzDate: string, signedAtMs: number, nowMs: number): string | undefined {
  const now = formatAmzDate(nowMs);
  if (signedAtMs < nowMs - MAX_CLOCK_SKEW_MS) {
    return SigV4Messages.expired(amzDate, formatAmzDate(nowMs - MAX_CLOCK_SKEW_MS), now);
  }
  if (signedAtMs > nowMs + MAX_CLOCK_SKEW_MS) {
    return SigV4Messages.notYetCurrent(amzDate, formatAmzDate(nowMs + MAX_CLOCK_SKEW_MS), now);
  }
  return undefined;
}

/** RFC 3986 encoding as AWS wants it: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => '%' + char.charCodeAt(0).toString(16).toUpperCase(),
  );
}

/**
 * Canonical URI for every service but S3: normalise the path (no empty, '.' or '..' segments), then
 * URI-encode each segment of the path *as received*. The wire path is already encoded once by the
 * client, so `%2C` becomes `%252C` ("double encoding"); a raw `,` or `*` becomes `%2C` / `%2A`.
 * This is what aws4 does for service es/aoss, and what the OpenSearch client's signer therefore sends.
 */
function canonicalUri(rawPath: string): string {
  if (rawPath === '' || rawPath === '/') return '/';
  const kept: string[] = [];
  for (const segment of rawPath.replace(/\/{2,}/g, '/').split('/')) {
    if (segment === '.') continue;
    if (segment === '..') {
      kept.pop();
      continue;
    }
    kept.push(uriEncode(segment));
  }
  const joined = kept.join('/');
  return joined.startsWith('/') ? joined : '/' + joined;
}

/**
 * Canonical query: each name and value decoded, then re-encoded with uriEncode, pairs sorted by name
 * then value. '+' decodes to a space (as aws4, i.e. Node's querystring, does); AWS SDKs never send '+'.
 */
function canonicalQuery(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = decodeQueryComponent(eq < 0 ? piece : piece.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryComponent(piece.slice(eq + 1));
    if (name === '') continue; // aws4 drops empty names; AWS services don't accept them either
    pairs.push([uriEncode(name), uriEncode(value)]);
  }
  pairs.sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function decodeQueryComponent(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // malformed %-escape: keep it literal, it is then re-encoded like any other '%'
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `name:value` lines for the signed headers, in the order the signer listed them, plus the final newline. */
function canonicalHeaders(headers: IncomingForVerification['headers'], names: string[]): string {
  return names
    .map((name) => `${name}:${(headerValue(headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
}

function headerValue(headers: IncomingForVerification['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function signingKeyHmac(
  secret: string,
  date: string,
  region: string,
  service: string,
  stringToSign: string,
): string {
  const signingKey = hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), SCOPE_TERMINATOR);
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/** Constant-time comparison, so response timing does not reveal how much of a forged signature was right. */
function sameText(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
