// A stand-in for GitHub's Actions cache service, protocol v2, as @actions/cache 6.x talks to it:
// Twirp JSON calls to the results service, then Azure-blob-style PUT/GET at the signed URLs it hands out.
// Loopback only; everything lives in memory. For tests.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';
// The blob SDK's BlobClient parses an IP-host URL Azurite-style, /<account>/<container>/<blob>, and
// fails to construct without a container and blob name; so signed URLs keep that shape.
const BLOB_PREFIX = '/devstoreaccount1/actions-cache/';
const X_MS_VERSION = '2025-11-05';

const TWIRP_METHODS = ['CreateCacheEntry', 'FinalizeCacheEntryUpload', 'GetCacheEntryDownloadURL'] as const;
export type RequestKind = (typeof TWIRP_METHODS)[number] | 'upload' | 'download';

/** `path` is path and query, the SAS signature replaced by `sig=…`. */
export interface RecordedRequest {
  method: string;
  path: string;
  kind: RequestKind | 'other';
  status: number;
}

/** `size`: size_bytes the client reported at finalize; `blobBytes`: length of the committed blob. */
export interface EntryView {
  id: number;
  key: string;
  version: string;
  finalized: boolean;
  size: number | undefined;
  blobBytes: number | undefined;
}

export interface CacheServiceOptions {
  /** Bearer token the Twirp endpoints accept; default: a fresh unsigned JWT. */
  token?: string;
  /** Directories for RUNNER_TEMP and GITHUB_WORKSPACE; created (and removed on close) when not given. */
  runnerTemp?: string;
  workspace?: string;
}

export interface CacheService {
  /** Base URL with a trailing slash: the library resolves `/twirp/...` against it. */
  url: string;
  token: string;
  /** Variables to set (string) or delete (undefined) in process.env around calls into @actions/cache. */
  env: Record<string, string | undefined>;
  readonly entries: EntryView[];
  requests: RecordedRequest[];
  /** Answer the next `count` requests of `kind` with `status` (default 500) and that protocol's error body.
   *  Retries to expect: Twirp 500/502/503/504, 5 tries from 3 s apart; blob PUT 500/503, the storage SDK's
   *  4 tries (after 0 s, 4 s, 12 s); download GET 502/503/504, 2 tries 5 s apart; anything else, none. */
  failNext(kind: RequestKind, count: number, status?: number): void;
  close(): Promise<void>;
}

interface Entry extends Omit<EntryView, 'blobBytes'> {
  blobId: string;
  sig: string;
  blob: Buffer | undefined;
  blocks: Map<string, Buffer>; // staged by Put Block, uncommitted, by block id
  etag: string;
  modified: Date;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// Twirp error codes → HTTP status, as the Twirp spec maps them.
const TWIRP_STATUS: Record<string, number> = {
  malformed: 400,
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  failed_precondition: 412,
  internal: 500,
};
const twirpError = (code: string, msg: string): HttpError => new HttpError(TWIRP_STATUS[code] ?? 500, code, msg);

/** An unsigned JWT (alg none) shaped like a runner token. @actions/cache 6.x only sends it as a bearer
 *  token and never decodes it; the claims are there for code that does (e.g. @actions/artifact). */
export function unsignedJwt(claims: Record<string, unknown> = {}): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    scp: 'Actions.ExampleScope Actions.Results:ce7f54c7-61c7-4aae-887f-30da475f5f1a:ca395085-040a-526b-2ce8-bdc85f692774',
    ac: JSON.stringify([{ Scope: 'refs/heads/main', Permission: 3 }]),
    iat: now,
    nbf: now,
    exp: now + 3600,
    ...claims,
  };
  return `${b64({ typ: 'JWT', alg: 'none' })}.${b64(payload)}.`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const str = (body: Record<string, unknown>, field: string): string => {
  const v = body[field];
  if (typeof v !== 'string' || v === '') throw twirpError('invalid_argument', `${field} is required`);
  return v;
};

export async function startCacheService(options: CacheServiceOptions = {}): Promise<CacheService> {
  const token = options.token ?? unsignedJwt();
  const owned: string[] = [];
  const dir = (given: string | undefined, prefix: string): string => {
    if (given !== undefined) return given;
    const d = mkdtempSync(path.join(tmpdir(), prefix));
    owned.push(d);
    return d;
  };
  const runnerTemp = dir(options.runnerTemp, 'cache-svc-temp-');
  const workspace = dir(options.workspace, 'cache-svc-ws-');
  const entries: Entry[] = [];
  const requests: RecordedRequest[] = [];
  const failures = new Map<RequestKind, { count: number; status: number }>();
  let nextId = 1;
  let base = '';

  const signedUrl = (e: Entry): string =>
    `${base}${BLOB_PREFIX.slice(1)}${e.blobId}?sv=${X_MS_VERSION}&sr=b&sp=racw&sig=${e.sig}`;

  // Twirp methods. Requests arrive with protobuf JSON field names (useProtoFieldName: true: key,
  // version, restore_keys, size_bytes as an int64 string); answers use the same snake_case names, which
  // is also what the client's maskSecretUrls looks for before masking the signed URLs in its logs.
  const twirp: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    CreateCacheEntry(body) {
      const key = str(body, 'key');
      const version = str(body, 'version');
      // GitHub answers 409 already_exists for a key+version already saved; the client turns it into a
      // ReserveCacheError ("another job may be creating this cache") logged with core.info. A reservation
      // still uploading is refused the same way here (an assumption, matching that message).
      if (entries.some((e) => e.key === key && e.version === version)) {
        throw twirpError('already_exists', 'cache entry with the same key, version, and scope already exists');
      }
      const e: Entry = {
        id: nextId++,
        key,
        version,
        blobId: randomUUID(),
        sig: randomBytes(16).toString('base64url'),
        size: undefined,
        blob: undefined,
        blocks: new Map(),
        etag: '',
        modified: new Date(),
        finalized: false,
      };
      entries.push(e);
      return { ok: true, signed_upload_url: signedUrl(e) };
    },
    FinalizeCacheEntryUpload(body) {
      const key = str(body, 'key');
      const version = str(body, 'version');
      const e = entries.find((x) => x.key === key && x.version === version && !x.finalized);
      if (!e) throw twirpError('not_found', 'cache entry not found');
      if (!e.blob) throw twirpError('failed_precondition', 'cache entry has no uploaded blob');
      e.size = Number(body['size_bytes'] ?? 0);
      e.finalized = true;
      return { ok: true, entry_id: String(e.id) }; // int64 → JSON string, as protobuf JSON writes it
    },
    GetCacheEntryDownloadURL(body) {
      const key = str(body, 'key');
      const version = str(body, 'version');
      const restore = Array.isArray(body['restore_keys'])
        ? body['restore_keys'].filter((k): k is string => typeof k === 'string')
        : [];
      // GitHub's documented order: for the key, then each restore key in turn, an exact match, else the
      // newest entry whose key starts with it; only finalized entries of the same version count.
      const live = entries.filter((e) => e.finalized && e.version === version).sort((a, b) => b.id - a.id);
      for (const k of [key, ...restore]) {
        const hit = live.find((e) => e.key === k) ?? live.find((e) => e.key.startsWith(k));
        if (hit) return { ok: true, signed_download_url: signedUrl(hit), matched_key: hit.key };
      }
      // A miss is a 200 with ok false (proto3 JSON omits the empty strings); restoreCache returns undefined.
      return { ok: false };
    },
  };

  async function handleTwirp(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const handler = twirp[method];
    if (req.method !== 'POST' || !handler) throw twirpError('bad_route', `no handler for ${req.method} ${req.url}`);
    if (req.headers.authorization !== `Bearer ${token}`) throw twirpError('unauthenticated', 'invalid runtime token');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      throw twirpError('bad_route', 'unsupported Content-Type');
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch {
      throw twirpError('malformed', 'the request body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw twirpError('malformed', 'the body is not a JSON object');
    const answer = JSON.stringify(handler(body as Record<string, unknown>)); // before writeHead: a throw becomes a Twirp error
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
  }

  function azureHeaders(req: IncomingMessage): Record<string, string> {
    return {
      'x-ms-request-id': randomUUID(),
      'x-ms-version': String(req.headers['x-ms-version'] ?? X_MS_VERSION),
      date: new Date().toUTCString(),
      ...(typeof req.headers['x-ms-client-request-id'] === 'string'
        ? { 'x-ms-client-request-id': req.headers['x-ms-client-request-id'] }
        : {}),
    };
  }
  const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

  async function handleBlob(req: IncomingMessage, res: ServerResponse, url: URL, blobId: string): Promise<void> {
    const e = entries.find((x) => x.blobId === blobId);
    if (!e) throw new HttpError(404, 'BlobNotFound', 'The specified blob does not exist.');
    if (url.searchParams.get('sig') !== e.sig)
      throw new HttpError(403, 'AuthenticationFailed', 'Signature did not match.');
    const headers = azureHeaders(req);
    const comp = url.searchParams.get('comp');
    if (req.method === 'PUT') {
      const body = await readBody(req);
      // uploadCacheArchiveSDK → BlockBlobClient.uploadFile with maxSingleShotSize 128 MiB and blockSize
      // 64 MiB (forced by saveCacheV2): up to 128 MiB one Put Blob, above that Put Block ×N + Put Block List.
      if (comp === 'block') {
        const id = url.searchParams.get('blockid');
        if (!id) throw new HttpError(400, 'MissingRequiredQueryParameter', 'blockid is required');
        e.blocks.set(id, body);
        res.writeHead(201, { ...headers, 'content-md5': md5(body), 'x-ms-request-server-encrypted': 'true' }).end();
        return;
      }
      if (comp === 'blocklist') {
        // <BlockList><Latest>id</Latest>…</BlockList>, committed in the listed order.
        const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map(
          (m) => m[2] ?? '',
        );
        const parts = ids.map((id) => e.blocks.get(id));
        if (ids.length === 0 || parts.some((p) => p === undefined))
          throw new HttpError(400, 'InvalidBlockList', 'The specified block list is invalid.');
        e.blob = Buffer.concat(parts.filter((p): p is Buffer => p !== undefined));
        e.blocks.clear();
      } else if (comp === null) {
        if (req.headers['x-ms-blob-type'] !== 'BlockBlob')
          throw new HttpError(400, 'MissingRequiredHeader', 'x-ms-blob-type: BlockBlob is required');
        e.blob = body;
      } else {
        throw new HttpError(400, 'UnsupportedQueryParameter', `comp=${comp} is not supported`);
      }
      e.etag = `"0x${randomBytes(8).toString('hex').toUpperCase()}"`;
      e.modified = new Date();
      // The SDK deserializes these into the upload response (etag, lastModified, contentMD5).
      res
        .writeHead(201, {
          ...headers,
          etag: e.etag,
          'last-modified': e.modified.toUTCString(),
          'content-md5': md5(e.blob),
          'x-ms-request-server-encrypted': 'true',
        })
        .end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError(405, 'UnsupportedHttpVerb', `${req.method} is not supported`);
    const blob = e.blob;
    if (!blob) throw new HttpError(404, 'BlobNotFound', 'The specified blob does not exist.');
    // restoreCache downloads with one plain GET (downloadCacheHttpClient, checking Content-Length) unless
    // the URL's host ends in .blob.core.windows.net, when it goes through the SDK: a HEAD (getProperties),
    // then parallel ranged GETs (x-ms-range) answered 206 with Content-Range. Both are served here.
    const common = {
      ...headers,
      etag: e.etag,
      'last-modified': e.modified.toUTCString(),
      'accept-ranges': 'bytes',
      'x-ms-blob-type': 'BlockBlob',
      'content-type': 'application/octet-stream',
    };
    const range = String(req.headers['x-ms-range'] ?? req.headers.range ?? '');
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    const start = Number(m?.[1] ?? 0);
    const end = Math.min(m?.[2] ? Number(m[2]) : blob.length - 1, blob.length - 1);
    if (range && (!m || start >= blob.length || end < start)) {
      throw new HttpError(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.');
    }
    if (m) {
      const part = blob.subarray(start, end + 1);
      res.writeHead(206, {
        ...common,
        'content-length': String(part.length),
        'content-range': `bytes ${start}-${end}/${blob.length}`,
      });
      res.end(req.method === 'HEAD' ? undefined : part);
      return;
    }
    res.writeHead(200, { ...common, 'content-length': String(blob.length), 'content-md5': md5(blob) });
    res.end(req.method === 'HEAD' ? undefined : blob);
  }

  function kindOf(req: IncomingMessage, url: URL): RequestKind | 'other' {
    if (url.pathname.startsWith(BLOB_PREFIX)) return req.method === 'PUT' ? 'upload' : 'download';
    return TWIRP_METHODS.find((m) => url.pathname === TWIRP_PREFIX + m) ?? 'other';
  }

  function sendError(req: IncomingMessage, res: ServerResponse, kind: RequestKind | 'other', err: HttpError): void {
    if (res.headersSent) return;
    // Twirp errors must be JSON: the client JSON.parses every answer before looking at the status, and a
    // body that does not parse counts as retryable (5 tries, backoff from 3 s) even for a 401.
    if (kind !== 'upload' && kind !== 'download') {
      res
        .writeHead(err.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: err.code, msg: err.message }));
      return;
    }
    // Azure storage errors: x-ms-error-code header plus an XML body, which the SDK turns into a RestError.
    const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${err.code}</Code><Message>${err.message}</Message></Error>`;
    res.writeHead(err.status, { ...azureHeaders(req), 'x-ms-error-code': err.code, 'content-type': 'application/xml' });
    res.end(req.method === 'HEAD' ? undefined : xml);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const kind = kindOf(req, url);
    res.on('finish', () => {
      requests.push({
        method: req.method ?? '',
        path: `${url.pathname}${url.search.replace(/sig=[^&]*/, 'sig=…')}`,
        kind,
        status: res.statusCode,
      });
    });
    const fail = kind === 'other' ? undefined : failures.get(kind);
    const work = async (): Promise<void> => {
      if (kind !== 'other' && fail && fail.count > 0) {
        fail.count--;
        await readBody(req);
        const blob = kind === 'upload' || kind === 'download';
        throw new HttpError(
          fail.status,
          fail.status >= 500
            ? blob
              ? 'InternalError'
              : 'internal'
            : blob
              ? 'AuthenticationFailed'
              : 'permission_denied',
          'injected failure',
        );
      }
      if (url.pathname.startsWith(TWIRP_PREFIX)) return handleTwirp(req, res, url.pathname.slice(TWIRP_PREFIX.length));
      if (url.pathname.startsWith(BLOB_PREFIX))
        return handleBlob(req, res, url, url.pathname.slice(BLOB_PREFIX.length));
      throw twirpError('bad_route', `no route for ${req.method} ${url.pathname}`);
    };
    work().catch((err: unknown) => {
      sendError(req, res, kind, err instanceof HttpError ? err : new HttpError(500, 'internal', String(err)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  return {
    url: base,
    token,
    env: {
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: base, // v2 reads only this; resolved with new URL('/twirp/…', base)
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_CACHE_URL: undefined, // v1's URL: unset so nothing can fall back to the legacy protocol
      ACTIONS_CACHE_MODE: undefined, // 'read'/'none' from a surrounding runner would skip saves
      // Any host but github.com, *.ghe.com or *.localhost counts as GHES, where the library forces v1.
      GITHUB_SERVER_URL: 'https://github.com',
      RUNNER_TEMP: runnerTemp, // archives are written under here
      GITHUB_WORKSPACE: workspace, // tar runs with -C here; cached paths are stored relative to it
    },
    get entries(): EntryView[] {
      return entries.map(({ id, key, version, finalized, size, blob }) => ({
        id,
        key,
        version,
        finalized,
        size,
        blobBytes: blob?.length,
      }));
    },
    requests,
    failNext(kind, count, status = 500) {
      failures.set(kind, { count, status });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      for (const d of owned) rmSync(d, { recursive: true, force: true });
    },
  };
}
