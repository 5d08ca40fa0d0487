import { createServer, type RequestListener, type Server } from 'node:http';

/** Listen and resolve with the bound port; a busy port rejects with the error's own code. */
export function listen(handler: RequestListener, host: string, port: number): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler).listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      // Simulated clients keep connections alive across many requests.
      server.keepAliveTimeout = 65_000;
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : port });
    });
  });
}
