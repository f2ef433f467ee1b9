// The performance peer of bench/client_credentials.py: node oidc-provider (v9) with one confidential
// client that may use client_credentials, issuing ES256 JWT access tokens through a resource indicator
// (RFC 8707 + RFC 9068), with its default in-memory adapter.
//
//   node oidc_provider_cc.mjs --port 8101 --client-id ID --client-secret SECRET [--scope api:read]
//
// Prints one line `ready <issuer>` on stdout once it listens; stops on SIGTERM or SIGINT.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '8101' },
    host: { type: 'string', default: '127.0.0.1' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    scope: { type: 'string', default: 'api:read' },
  },
});
if (!args['client-id'] || !args['client-secret']) {
  console.error('--client-id and --client-secret are required');
  process.exit(2);
}

const RESOURCE = 'urn:tenantry:bench-api';
const issuer = `http://${args.host}:${args.port}`;
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256', // the only key is an EC key
      scope: args.scope,
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: args.scope.split(' '),
  ttl: { ClientCredentials: 15 * 60 },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resourceIndicator) => {
        if (resourceIndicator !== RESOURCE) {
          throw new Error(`unknown resource ${resourceIndicator}`);
        }
        return {
          scope: args.scope,
          audience: RESOURCE,
          accessTokenTTL: 15 * 60,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
});

// Errors are counted by the load generator from the status codes; do not log each one here.
provider.on('server_error', (_ctx, error) => console.error('server_error', error));

const server = provider.listen(Number(args.port), args.host, () => {
  console.log(`ready ${issuer}`);
});
server.keepAliveTimeout = 75_000;

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
