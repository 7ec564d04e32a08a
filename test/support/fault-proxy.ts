// A loopback HTTP proxy in front of a registry, for tests: it forwards every request unchanged (Host kept,
// so the registry's upload Location URLs point back at the proxy), records each one with the request body
// bytes it carried, and injects faults into the next N requests that match — a 502, a reset connection,
// or a stall (held, then reset). Plain HTTP towards the client (the engine treats 127.0.0.0/8 registries as
// insecure), plain or TLS towards the registry (TLS with a given CA, for the basic-auth registry).
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind = '502' | '503' | 'reset' | 'stall';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The registry's status, or the injected fault. */
  outcome: number | FaultKind;
  /** Bytes of the request body (layer bytes for blob uploads). */
  bytesIn: number;
}

/** Which requests a fault applies to: all, or one part of the protocol. */
export type RequestClass = 'any' | 'ping' | 'blob-upload' | 'manifest-put' | 'manifest-read';

export function classify(method: string, path: string): RequestClass {
  if (path === '/v2/' || path === '/v2') return 'ping';
  if (/\/blobs\/uploads\//.test(path)) return 'blob-upload';
  if (/\/manifests\//.test(path)) return method === 'PUT' ? 'manifest-put' : 'manifest-read';
  return 'any';
}

export interface FaultProxy {
  /** host:port to use as the registry. */
  address: string;
  requests: ProxiedRequest[];
  /** Fault the next `count` requests of a class (`any`: every request), optionally only those whose path matches. */
  failNext(kind: FaultKind, count: number, on?: RequestClass, path?: RegExp): void;
  /** Sum of request body bytes sent to blob upload endpoints since the last reset. */
  uploadedBytes(): number;
  /**
   * Bytes uploaded per blob digest since the last reset: an upload session's PATCH/PUT bodies, named by the
   * digest its closing PUT gives. A digest uploaded twice appears with both sessions' bytes.
   */
  uploadedBlobs(): Map<string, { bytes: number; sessions: number }>;
  reset(): void;
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** The registry, e.g. "127.0.0.1:5000". */
  upstream: string;
  /** Speak TLS to the registry, trusting this CA (PEM). */
  ca?: string;
  /** How long a stalled request is held before its connection is reset. */
  stallMs?: number;
}

export async function startFaultProxy(options: ProxyOptions): Promise<FaultProxy> {
  const [host, port] = options.upstream.split(':');
  const requests: ProxiedRequest[] = [];
  const faults: { kind: FaultKind; count: number; on: RequestClass; path?: RegExp }[] = [];
  const sockets = new Set<Socket>();

  const takeFault = (cls: RequestClass, path: string): FaultKind | undefined => {
    const f = faults.find((x) => x.count > 0 && (x.on === 'any' || x.on === cls) && (!x.path || x.path.test(path)));
    if (!f) return undefined;
    f.count--;
    return f.kind;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const record: ProxiedRequest = { method: req.method ?? '', path, outcome: 0, bytesIn: 0 };
    requests.push(record);
    const fault = takeFault(classify(record.method, path), path);
    if (fault) {
      record.outcome = fault;
      req.resume();
      if (fault === 'reset') req.socket.destroy();
      else if (fault === 'stall') setTimeout(() => req.socket.destroy(), options.stallMs ?? 3_000).unref();
      else res.writeHead(Number(fault), { 'content-type': 'text/plain' }).end(`injected ${fault}\n`);
      return;
    }
    const send = options.ca ? httpsRequest : httpRequest;
    const upstream = send(
      {
        host,
        port: Number(port),
        method: req.method,
        path,
        headers: req.headers,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (up) => {
        record.outcome = up.statusCode ?? 0;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.on('data', (chunk: Buffer) => {
      record.bytesIn += chunk.length;
    });
    req.pipe(upstream);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${own}`,
    requests,
    failNext(kind, count, on = 'any', path) {
      faults.push({ kind, count, on, path });
    },
    uploadedBytes: () =>
      requests.filter((r) => classify(r.method, r.path) === 'blob-upload').reduce((n, r) => n + r.bytesIn, 0),
    uploadedBlobs() {
      const bySession = new Map<string, number>();
      const out = new Map<string, { bytes: number; sessions: number }>();
      for (const r of requests) {
        const m = /\/blobs\/uploads\/([^/?]+)(?:\?(.*))?$/.exec(r.path);
        if (!m || (r.method !== 'PATCH' && r.method !== 'PUT')) continue;
        const bytes = (bySession.get(m[1]) ?? 0) + r.bytesIn;
        bySession.set(m[1], bytes);
        const digest = new URLSearchParams(m[2] ?? '').get('digest');
        if (r.method !== 'PUT' || !digest || typeof r.outcome !== 'number' || r.outcome >= 300) continue;
        const seen = out.get(digest) ?? { bytes: 0, sessions: 0 };
        out.set(digest, { bytes: seen.bytes + bytes, sessions: seen.sessions + 1 });
      }
      return out;
    },
    reset() {
      requests.length = 0;
      faults.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
