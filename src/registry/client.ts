// A small client for the registry HTTP API (OCI distribution): what a reference points at — its manifest
// digest, the image config and its labels — read before anything is built (immutable release tags) and
// after a push — and the few writes an attached record needs (a blob, a manifest, the referrers fallback
// index of the OCI 1.1 tag schema), never an image's layers. Authentication the way the engine does it: the /v2/ challenge, Basic or a Bearer token
// from the realm, with credentials of this run or of the caller's docker config. TLS trusts the engine's
// per-registry CA (/etc/docker/certs.d/<host>/ca.crt); loopback registries may speak plain HTTP, as the
// engine allows for 127.0.0.0/8.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { MlImageError } from '../errors.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface RegistryRef {
  /** The host the API lives on (Docker Hub: registry-1.docker.io). */
  apiHost: string;
  repository: string;
  /** Tag or digest. */
  reference: string;
}

const HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** "127.0.0.1:5000/acme/iris:1.0" → host, repository, tag; Docker Hub's short forms as the docker CLI reads them. */
export function parseRef(ref: string): RegistryRef {
  const at = ref.indexOf('@');
  let name = at >= 0 ? ref.slice(0, at) : ref;
  let reference = at >= 0 ? ref.slice(at + 1) : 'latest';
  const colon = name.lastIndexOf(':');
  if (at < 0 && colon > name.lastIndexOf('/')) {
    reference = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  const first = name.split('/')[0];
  const hasHost = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let host = hasHost ? first : 'docker.io';
  let repository = hasHost ? name.slice(first.length + 1) : name;
  if (HUB.has(host)) {
    host = 'registry-1.docker.io';
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  return { apiHost: host, repository, reference };
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

/** An OCI descriptor as an index lists it (what the referrers API answers with). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ReferrersIndex {
  schemaVersion: 2;
  mediaType: typeof INDEX_TYPE;
  manifests: Descriptor[];
}

/** The OCI 1.1 referrers tag schema's fallback tag for a digest: sha256:abc… → sha256-abc…. */
export const referrersTag = (digest: string): string => digest.replace(':', '-');

export interface Manifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export interface RemoteImage {
  /** The digest the reference resolves to (an index's digest when it is one). */
  digest: string;
  /** The image config's digest (for an index: of its platform's image). */
  configDigest: string;
  /** Layer digests, as the registry stores them (compressed). */
  layers: string[];
  /** The config's rootfs.diff_ids: the layers' content, as `docker image inspect` lists it locally. */
  diffIds: string[];
  labels: Record<string, string>;
  /** The config's runtime part (Env, Cmd, Entrypoint, User, …), as in the image config's "config". */
  runConfig: Record<string, unknown>;
}

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ClientOptions {
  credentialsFor?: (host: string) => Promise<Credentials | undefined>;
  /** Where the engine keeps per-registry CAs. */
  certsDir?: string;
  timeoutMs?: number;
}

const isLoopback = (host: string): boolean => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);

export class RegistryClient {
  private readonly tokens = new Map<string, string>();
  private readonly plainHttp = new Set<string>();

  constructor(private readonly options: ClientOptions = {}) {}

  /** The manifest a reference points at; undefined when the registry has no such reference. */
  async manifest(ref: RegistryRef, accept = MANIFEST_TYPES): Promise<Manifest | undefined> {
    const r = await this.get(ref, `/v2/${ref.repository}/manifests/${ref.reference}`, { accept });
    if (r.status === 404) return undefined;
    if (r.status !== 200)
      throw new MlImageError(`${ref.apiHost}: reading ${ref.repository}:${ref.reference} answered HTTP ${r.status}`);
    const digest = String(r.headers['docker-content-digest'] ?? '');
    const mediaType = (r.headers['content-type'] ?? '').split(';')[0];
    return { digest, mediaType, body: r.body };
  }

  /** What a reference points at: digest, config digest, layers and labels; undefined when absent. */
  async inspect(refText: string, platform = 'linux/amd64'): Promise<RemoteImage | undefined> {
    const ref = parseRef(refText);
    const top = await this.manifest(ref);
    if (!top) return undefined;
    let image = JSON.parse(top.body.toString('utf8')) as {
      manifests?: { digest: string; platform?: { os: string; architecture: string } }[];
      config?: { digest: string };
      layers?: { digest: string }[];
    };
    if (image.manifests) {
      const [os, arch] = platform.split('/');
      const entry =
        image.manifests.find((m) => m.platform?.os === os && m.platform.architecture === arch) ??
        image.manifests.find((m) => m.platform?.os !== 'unknown');
      if (!entry) throw new MlImageError(`${refText}: an index without an image for ${platform}`);
      const child = await this.manifest({ ...ref, reference: entry.digest });
      if (!child)
        throw new MlImageError(`${refText}: its index names ${entry.digest}, which the registry does not have`);
      image = JSON.parse(child.body.toString('utf8')) as typeof image;
    }
    const configDigest = image.config?.digest;
    if (!configDigest) throw new MlImageError(`${refText}: a manifest without an image config`);
    const config = await this.get(ref, `/v2/${ref.repository}/blobs/${configDigest}`, {});
    if (config.status !== 200) throw new MlImageError(`${refText}: reading its config answered HTTP ${config.status}`);
    const parsed = JSON.parse(config.body.toString('utf8')) as {
      config?: { Labels?: Record<string, string> | null } & Record<string, unknown>;
      rootfs?: { diff_ids?: string[] };
    };
    return {
      digest: top.digest,
      configDigest,
      layers: (image.layers ?? []).map((l) => l.digest),
      diffIds: parsed.rootfs?.diff_ids ?? [],
      labels: parsed.config?.Labels ?? {},
      runConfig: parsed.config ?? {},
    };
  }

  /** A blob's bytes; undefined when the repository has no such blob. */
  async blob(ref: RegistryRef, digest: string): Promise<Buffer | undefined> {
    const r = await this.get(ref, `/v2/${ref.repository}/blobs/${digest}`, {});
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new MlImageError(`${ref.apiHost}: reading blob ${digest} answered HTTP ${r.status}`);
    return r.body;
  }

  /** Uploads a blob unless the repository has it already (a HEAD first: records are small, but images are not). */
  async putBlob(ref: RegistryRef, bytes: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const head = await this.request(ref, 'HEAD', `/v2/${ref.repository}/blobs/${digest}`, {}, undefined, 'pull,push');
    if (head.status === 200) return digest;
    const start = await this.request(
      ref,
      'POST',
      `/v2/${ref.repository}/blobs/uploads/`,
      {},
      Buffer.alloc(0),
      'pull,push',
    );
    const location = start.headers.location;
    if (start.status !== 202 || !location)
      throw new MlImageError(`${ref.apiHost}: starting an upload to ${ref.repository} answered HTTP ${start.status}`);
    // The Location may be absolute or a path, and may carry a query of its own (the upload's state).
    const url = new URL(location, `http://${ref.apiHost}`);
    url.searchParams.set('digest', digest);
    const put = await this.request(
      ref,
      'PUT',
      `${url.pathname}${url.search}`,
      { 'content-type': 'application/octet-stream' },
      bytes,
      'pull,push',
    );
    if (put.status !== 201)
      throw new MlImageError(`${ref.apiHost}: uploading ${digest} to ${ref.repository} answered HTTP ${put.status}`);
    return digest;
  }

  /** Puts a manifest under a tag or its own digest; returns the digest the registry computed. */
  async putManifest(ref: RegistryRef, reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    const r = await this.request(
      ref,
      'PUT',
      `/v2/${ref.repository}/manifests/${reference}`,
      { 'content-type': mediaType },
      bytes,
      'pull,push',
    );
    if (r.status !== 201)
      throw new MlImageError(
        `${ref.apiHost}: putting a manifest at ${ref.repository}:${reference} answered HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`,
      );
    return String(r.headers['docker-content-digest'] ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  }

  /**
   * The OCI 1.1 referrers of a digest, as an image index: from the referrers API where the registry has one,
   * else from the tag schema's fallback (`sha256-<hex>`, an index the writers keep). `api` says which answered.
   */
  async referrers(ref: RegistryRef, digest: string): Promise<{ index: ReferrersIndex; api: boolean }> {
    const r = await this.get(ref, `/v2/${ref.repository}/referrers/${digest}`, {
      accept: 'application/vnd.oci.image.index.v1+json',
    });
    const type = (r.headers['content-type'] ?? '').split(';')[0];
    if (r.status === 200 && type === 'application/vnd.oci.image.index.v1+json')
      return { index: JSON.parse(r.body.toString('utf8')) as ReferrersIndex, api: true };
    const fallback = await this.manifest(
      { ...ref, reference: referrersTag(digest) },
      'application/vnd.oci.image.index.v1+json',
    );
    const index = fallback ? (JSON.parse(fallback.body.toString('utf8')) as ReferrersIndex) : undefined;
    return { index: { schemaVersion: 2, mediaType: INDEX_TYPE, manifests: index?.manifests ?? [] }, api: false };
  }

  /** A GET with the registry's authentication: anonymous first, then what its challenge asks for. */
  private get(ref: RegistryRef, urlPath: string, headers: Record<string, string>): Promise<Response> {
    return this.request(ref, 'GET', urlPath, headers);
  }

  private async request(
    ref: RegistryRef,
    method: string,
    urlPath: string,
    headers: Record<string, string>,
    body?: Buffer,
    actions = 'pull',
  ): Promise<Response> {
    const scope = `repository:${ref.repository}:${actions}`;
    const key = `${ref.apiHost} ${scope}`;
    const auth = this.tokens.get(key);
    const send = (h: Record<string, string>) => this.send(ref.apiHost, urlPath, h, false, method, body);
    let r = await send(auth ? { ...headers, authorization: auth } : headers);
    if (r.status !== 401) return r;
    const challenge = r.headers['www-authenticate'] ?? '';
    const creds = await this.options.credentialsFor?.(
      ref.apiHost === 'registry-1.docker.io' ? 'docker.io' : ref.apiHost,
    );
    const header = await this.authorization(ref.apiHost, challenge, scope, creds);
    if (!header) return r;
    this.tokens.set(key, header);
    r = await send({ ...headers, authorization: header });
    return r;
  }

  private async authorization(
    host: string,
    challenge: string,
    scope: string,
    creds: Credentials | undefined,
  ): Promise<string | undefined> {
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : undefined;
    if (/^basic/i.test(challenge)) return basic;
    if (!/^bearer/i.test(challenge)) return undefined;
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]),
    );
    if (!params.realm) return undefined;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', scope);
    const r = await this.send(
      url.host,
      `${url.pathname}${url.search}`,
      basic ? { authorization: basic } : {},
      url.protocol === 'http:',
    );
    if (r.status !== 200) throw new MlImageError(`${host}: its token service answered HTTP ${r.status}`);
    const body = JSON.parse(r.body.toString('utf8')) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? `Bearer ${token}` : undefined;
  }

  private async send(
    host: string,
    urlPath: string,
    headers: Record<string, string>,
    plain = false,
    method = 'GET',
    body?: Buffer,
  ): Promise<Response> {
    if (plain || this.plainHttp.has(host)) return this.once(host, urlPath, headers, false, method, body);
    try {
      return await this.once(host, urlPath, headers, true, method, body);
    } catch (err: unknown) {
      // The engine's rule: a loopback registry may answer plain HTTP.
      if (!isLoopback(host)) throw err;
      const r = await this.once(host, urlPath, headers, false, method, body);
      this.plainHttp.add(host);
      return r;
    }
  }

  private once(
    host: string,
    urlPath: string,
    headers: Record<string, string>,
    tls: boolean,
    method = 'GET',
    body?: Buffer,
  ): Promise<Response> {
    const [hostname, port] = host.startsWith('[')
      ? [host.slice(1, host.indexOf(']')), host.split(']:')[1]]
      : host.split(':');
    const caFile = path.join(this.options.certsDir ?? '/etc/docker/certs.d', host, 'ca.crt');
    const ca = tls && existsSync(caFile) ? readFileSync(caFile, 'utf8') : undefined;
    const send = tls ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          hostname,
          port: port ? Number(port) : tls ? 443 : 80,
          path: urlPath,
          method,
          headers: {
            'user-agent': 'ml-image',
            ...headers,
            ...(body ? { 'content-length': String(body.length) } : {}),
          },
          ...(ca ? { ca } : {}),
          timeout: this.options.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${host}: no answer within ${(this.options.timeoutMs ?? 30_000) / 1000}s`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
