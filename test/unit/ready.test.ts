// waitReady against a real local HTTP server: what the "not ready" reason says when the deadline cuts the
// last attempt short (a loaded runner once reported "last probe: no answer within 0.002s" instead of the
// service's 503).
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitReady } from '../../src/smoke/http.js';

let server: Server | undefined;
afterEach(
  () =>
    new Promise<void>((resolve) =>
      server ? (server.closeAllConnections(), server.close(() => resolve())) : resolve(),
    ),
);

/** A server that answers the first `answered` requests with `status` at once and then never answers. */
function serve(status: number, answered: number): Promise<string> {
  let n = 0;
  server = createServer((_req, res) => {
    if (n++ < answered) res.writeHead(status).end('down');
    else setTimeout(() => res.writeHead(status).end('late'), 10_000).unref();
  });
  return new Promise((resolve) =>
    server!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/health`)),
  );
}

describe('waitReady', () => {
  it('an attempt cut short by the deadline keeps the answer before it as the reason', async () => {
    const url = await serve(503, 1);
    // Attempt 1 (1 s limit) gets 503; attempt 2 would have 2 s but only about 1.2 s remain, and times out.
    const why = await waitReady({ url, status: 200, timeoutMs: 1_500, stillRunning: async () => true });
    expect(why).toBe('not ready after 1.5s (last probe: status 503)');
  });

  it('a service that never answers says so', async () => {
    const url = await serve(503, 0);
    const why = await waitReady({ url, status: 200, timeoutMs: 1_200, stillRunning: async () => true });
    expect(why).toMatch(/^not ready after 1\.2s \(last probe: no answer within \d+(\.\d+)?s\)$/);
  });

  it('ready: undefined', async () => {
    const url = await serve(200, 5);
    expect(await waitReady({ url, status: 200, timeoutMs: 2_000, stillRunning: async () => true })).toBeUndefined();
  });
});
