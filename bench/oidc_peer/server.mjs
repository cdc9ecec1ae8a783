// The peer of bench/oidc.py: panva's oidc-provider configured as dinhdanh's token endpoint
// is: grants authorization_code, refresh_token (rotated on each use) and
// client_credentials; clients authenticating with client_secret_basic; opaque access
// tokens; ID tokens signed with ES256. One process (the bench pins it to one core).
// As in dinhdanh, where an API client's client_credentials grant stands alone, there are
// two clients with the same secret: CLIENT_ID (authorization_code + refresh_token) and
// API_CLIENT_ID (client_credentials).
//
//   PORT=18001 PEER_STORE=redis://127.0.0.1:6379/6 node server.mjs
//
// PEER_STORE: a Redis URL or "memory" (adapters.mjs). CLIENT_ID, API_CLIENT_ID and
// CLIENT_SECRET name the clients.
//
// POST /bench/mint?count=N (bench only, this server listens on 127.0.0.1) answers N
// refresh tokens, one a line, each of its own grant (a token family of its own), minted
// through the provider's own models as a code redemption would.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

import { memoryAdapter, redisAdapter } from './adapters.mjs';

const PORT = Number(process.env.PORT || 18001);
const STORE = process.env.PEER_STORE || 'memory';
const CLIENT_ID = process.env.CLIENT_ID || 'bench-rp';
const API_CLIENT_ID = process.env.API_CLIENT_ID || 'bench-api';
const CLIENT_SECRET = process.env.CLIENT_SECRET || 'bench-rp-secret';
const ISSUER = `http://127.0.0.1:${PORT}`;
const SCOPE = 'openid profile';
const DAY = 24 * 3600;

// One ES256 signing key, as dinhdanh has one current key.
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomBytes(8).toString('hex'),
  alg: 'ES256',
  use: 'sig',
};

const configuration = {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:8100/auth/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      scope: 'openid offline_access profile',
    },
    {
      client_id: API_CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [signingKey] },
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
  scopes: ['openid', 'offline_access', 'profile'],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
  },
  rotateRefreshToken: true,
  // Lifetimes as dinhdanh's defaults (PartnerClient): access and ID tokens 10 minutes,
  // refresh tokens 30 days.
  ttl: {
    AccessToken: 600,
    ClientCredentials: 600,
    IdToken: 600,
    RefreshToken: 30 * DAY,
    Grant: 30 * DAY,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: DAY,
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
};
configuration.adapter = STORE === 'memory'
  ? memoryAdapter()
  : redisAdapter(STORE, `oidc-peer-${PORT}:`);

const provider = new Provider(ISSUER, configuration);
provider.proxy = false;

async function mint(count) {
  const client = await provider.Client.find(CLIENT_ID);
  const authTime = Math.floor(Date.now() / 1000);
  const one = async (n) => {
    const accountId = `citizen-${n % 100}`;
    const grant = new provider.Grant({ accountId, clientId: CLIENT_ID });
    grant.addOIDCScope(SCOPE);
    const grantId = await grant.save();
    const token = new provider.RefreshToken({
      accountId,
      acr: 'urn:dinhdanh:loa:2',
      amr: ['pwd', 'otp'],
      authTime,
      client,
      grantId,
      gty: 'authorization_code',
      scope: SCOPE,
      sid: randomBytes(16).toString('hex'),
    });
    return token.save();
  };
  const values = [];
  for (let start = 0; start < count; start += 500) {
    const batch = [];
    for (let n = start; n < Math.min(count, start + 500); n += 1) batch.push(one(n));
    values.push(...(await Promise.all(batch)));
  }
  return values;
}

// Registered before the provider's own routes (Provider#use puts it first).
provider.use(async (ctx, next) => {
  if (ctx.path === '/bench/mint' && ctx.method === 'POST') {
    const count = Math.min(Number(ctx.query.count || 1), 1_000_000);
    ctx.type = 'text/plain';
    ctx.body = `${(await mint(count)).join('\n')}\n`;
    return;
  }
  await next();
});

provider.listen(PORT, '127.0.0.1', () => {
  console.log(`oidc-provider ${ISSUER} store=${STORE === 'memory' ? 'memory' : 'redis'} ready`);
});
