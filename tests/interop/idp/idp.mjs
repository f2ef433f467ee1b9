// A customer's OpenID provider for federation tests: node oidc-provider with its development
// login and consent pages. Usage: node idp.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
// Any login name is accepted; its claims: email = the login name, groups = ["eng"]. A name
// "unverified:EMAIL" is another account (its own sub) asserting EMAIL with email_verified false.
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: {
    openid: ['sub', 'groups'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const unverified = id.startsWith('unverified:');
        const email = unverified ? id.slice('unverified:'.length) : id;
        const local = email.split('@')[0];
        return {
          sub: `idp-${id}`,
          email,
          email_verified: !unverified,
          name: `${local} Example`,
          given_name: local,
          family_name: 'Example',
          groups: ['eng'],
        };
      },
    };
  },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
