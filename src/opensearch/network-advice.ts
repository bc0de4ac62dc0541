/**
 * Failures below HTTP (no connection, no TLS session, no answer in time) as one sentence that names
 * the address and what to change. Node and the OpenSearch client report these as a message such as
 * `connect ECONNREFUSED 127.0.0.1:1` or OpenSSL's `... wrong version number ...`, sometimes with a
 * `code`, sometimes only in the text (the client's ConnectionError keeps the message, not the code).
 */
import type { FixedBy, SettingNames } from './errors.js';

export interface NetworkAdvice {
  message: string;
  fixedBy: FixedBy;
}

// OpenSSL's words when the far end answered something that is not TLS (typically plain HTTP).
const NOT_TLS = /wrong version number|ERR_SSL_WRONG_VERSION_NUMBER|packet length too long|unknown protocol/i;
// Node's codes for a certificate the client does not trust.
const UNTRUSTED_CERTIFICATE =
  /SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|self[- ]signed certificate|certificate has expired|does not match certificate's altnames/i;
const CODE = /\b(E[A-Z]{3,}|EAI_AGAIN)\b/;

/** Advice for a network-level failure, or undefined when the error is not one. */
export function networkAdvice(
  error: unknown,
  endpoint: string | undefined,
  settings: SettingNames,
): NetworkAdvice | undefined {
  const text = chainText(error);
  const code = codeOf(error) ?? CODE.exec(text)?.[1];
  const address = addressIn(text) ?? hostPort(endpoint);
  const where = address ?? 'the server';

  if (NOT_TLS.test(text) || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    const plain = endpoint?.startsWith('https://') ? endpoint.replace(/^https:/, 'http:') : undefined;
    return {
      message:
        `${endpoint ?? where} does not speak TLS (the port answered plain HTTP to https://): ` +
        `use ${plain ? plain : 'http://'} in ${settings.endpoint}, or the cluster's HTTPS port.`,
      fixedBy: 'configuration',
    };
  }
  if (UNTRUSTED_CERTIFICATE.test(text)) {
    return {
      message:
        `the TLS certificate of ${where} is not trusted (${firstLine(text)}): give Node the issuing CA ` +
        `with NODE_EXTRA_CA_CERTS=/path/to/ca.pem, or use the host name the certificate was issued for in ${settings.endpoint}.`,
      fixedBy: 'configuration',
    };
  }
  if (code === 'ETIMEDOUT' && /no complete answer within/.test(text)) {
    // Connected, and the server started answering, but too slowly: the cluster, not the route.
    return {
      message:
        `${endpoint ?? where} answered too slowly (${firstLine(text)}): the cluster is overloaded or something ` +
        `between holds the answer back. Run again later, or raise ${settings.requestTimeout}.`,
      fixedBy: 'retry',
    };
  }
  switch (code) {
    case 'ECONNREFUSED':
      return {
        message:
          `cannot connect to ${where}: connection refused (nothing listens there). ` +
          `Check the host and port of ${settings.endpoint} and that the server is running.`,
        fixedBy: 'configuration',
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        message:
          `cannot resolve the host ${hostIn(text) ?? where} (${code}): check the host name in ${settings.endpoint}` +
          ' (and DNS or VPN for a private endpoint).',
        fixedBy: 'configuration',
      };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return {
        message:
          `cannot reach ${where} (${code}): the host is down, or a firewall, security group or route blocks the way ` +
          '(a VPC domain is reachable only from inside its VPC).',
        fixedBy: 'configuration',
      };
    case 'ECONNRESET':
    case 'EPIPE':
      return {
        message:
          `the connection to ${where} was closed before an answer (${code}). Run again; if it happens at once every ` +
          `time, check the scheme in ${settings.endpoint}: an HTTPS port drops plain http:// requests.`,
        fixedBy: 'retry',
      };
  }
  if (/socket hang up/i.test(text)) {
    return {
      message:
        `${where} closed the connection without an answer. Run again; if it happens at once every time, check ` +
        `the scheme in ${settings.endpoint}: an HTTPS port drops plain http:// requests.`,
      fixedBy: 'retry',
    };
  }
  if (nameOf(error) === 'TimeoutError' || /timed? ?out/i.test(text)) {
    return {
      message:
        `no answer from ${endpoint ?? where} in time (${firstLine(text)}): the cluster is overloaded or something ` +
        `between holds the connection. Run again later, or raise ${settings.requestTimeout}.`,
      fixedBy: 'retry',
    };
  }
  return undefined;
}

/** Messages and codes of the error and its causes, joined: the code often sits on a wrapped cause. */
function chainText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) parts.push(current.message);
    else parts.push(String(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(' | ');
}

function codeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function nameOf(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** `127.0.0.1:1` from `connect ECONNREFUSED 127.0.0.1:1`. */
function addressIn(text: string): string | undefined {
  return /\b(?:ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET) (\S+:\d+)/.exec(text)?.[1];
}

/** `no-such-host.invalid` from `getaddrinfo ENOTFOUND no-such-host.invalid`. */
function hostIn(text: string): string | undefined {
  return /getaddrinfo \w+ (\S+)/.exec(text)?.[1];
}

function hostPort(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  try {
    const url = new URL(endpoint);
    return url.port ? `${url.hostname}:${url.port}` : url.hostname;
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 160 ? line.slice(0, 160) + '…' : line;
}
