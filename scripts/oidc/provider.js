// A real OpenID Connect provider (the `oidc-provider` package) for Parley's single sign-on
// tests and for trying SSO locally. NOT for production: any password is accepted, keys
// are made afresh at every start, and everything is kept in memory.
//
// Environment:
//   OIDC_PORT          port on 127.0.0.1 (required)
//   OIDC_CLIENT_ID     the one client (default "parley")
//   OIDC_CLIENT_SECRET its secret (default "parley-sso-test-secret")
//   OIDC_EXIT_WITH_STDIN=1  exit when standard input closes (the tests that start it pipe
//                      it, so the provider ends with them however they end)
//   OIDC_REDIRECT_URI  its redirect URI (default http://127.0.0.1:8000/api/auth/oidc/callback;
//                      as a native client on a loopback address, any port is accepted, RFC 8252 §7.3)
//
// Sign-in: the provider's own form (devInteractions). The login is the account's email;
// any password works. The demo users below carry a `parley_role` claim; any other login
// that is an email signs in as that email, verified, with no role claim, except
// `unverified@example.com`, whose email is not verified, and logins of the form
// `name+role-ROLE@domain`, whose role claim is ROLE.

import Provider, { interactionPolicy } from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('OIDC_PORT must be a TCP port');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OIDC_CLIENT_ID || 'parley';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'parley-sso-test-secret';
const redirectUri = process.env.OIDC_REDIRECT_URI || 'http://127.0.0.1:8000/api/auth/oidc/callback';

// The demo users of `parley seed`, with the role each has there.
const ROLES = {
  'admin@example.com': 'admin',
  'supervisor@example.com': 'supervisor',
  'agent1@example.com': 'agent',
  'agent2@example.com': 'agent',
  'analyst@example.com': 'analyst',
  'requester@example.com': 'requester',
};

function claimsOf(login) {
  const email = String(login).trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) return undefined;
  const claims = { sub: email, email, email_verified: email !== 'unverified@example.com' };
  const tagged = /\+role-([a-z_]+)@/.exec(email);
  const role = ROLES[email] ?? tagged?.[1];
  if (role) claims.parley_role = role;
  return claims;
}

// Native clients are asked to confirm every sign-in; Parley is the only client, and a test
// user has nothing to confirm.
const policy = interactionPolicy.base();
policy.get('consent').checks.remove('native_client_prompt');

const provider = new Provider(issuer, {
  interactions: { policy },
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      application_type: 'native',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'parley'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], parley: ['parley_role'] },
  // The email and role go into the ID token itself: Parley reads them there.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  // One client, which is Parley: no consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email parley');
    await grant.save();
    return grant;
  },
  async findAccount(_ctx, id) {
    const claims = claimsOf(id);
    if (!claims) return undefined;
    return { accountId: id, claims: async () => claims };
  },
  cookies: { keys: ['parley-oidc-test-cookie-key'] },
});

if (process.env.OIDC_EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready: issuer ${issuer}, client ${clientId}, redirect ${redirectUri}`);
});
