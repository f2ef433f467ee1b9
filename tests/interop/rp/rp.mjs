// An independent relying party: openid-client v6 against a running Tenantry realm.
//
// One operation per run. Input: a JSON object as the first argument, or on stdin when there is none:
//   {"op": "...", "issuer": "http://127.0.0.1:PORT/realms/NAME", "client_id": "...", "client_secret": "...", ...}
// Output on stdout: {"ok": true, "result": ...} (exit 0) or {"ok": false, "error": {...}} (exit 1) when
// openid-client or the server refused; a crash of this script exits 2. Details go to stderr.
//
// Every run starts with discovery, as a relying party that kept nothing but its issuer and credentials would.

import * as client from "openid-client";

function readInput() {
  if (process.argv[2]) return Promise.resolve(process.argv[2]);
  return new Promise((resolve, reject) => {
    let data = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => (data += chunk));
    process.stdin.on("end", () => resolve(data));
    process.stdin.on("error", reject);
  });
}

function need(input, ...names) {
  for (const name of names) {
    if (input[name] === undefined || input[name] === null || input[name] === "") {
      throw new UsageError(`"${name}" is required for ${input.op}`);
    }
  }
}

class UsageError extends Error {}

// "client_auth": client_secret_basic (the default with a secret), client_secret_post, or none.
function authentication(input) {
  const method = input.client_auth ?? (input.client_secret ? "client_secret_basic" : "none");
  switch (method) {
    case "client_secret_basic":
      return client.ClientSecretBasic(input.client_secret);
    case "client_secret_post":
      return client.ClientSecretPost(input.client_secret);
    case "none":
      return client.None();
    default:
      throw new UsageError(`unknown client_auth ${JSON.stringify(method)}`);
  }
}

async function configure(input) {
  need(input, "issuer", "client_id");
  // The local issuer is plain HTTP; openid-client refuses that unless told otherwise.
  // "metadata" carries what the client registered, e.g. {"id_token_signed_response_alg": "ES256"}.
  const metadata = { ...(input.metadata ?? {}) };
  if (input.client_secret) metadata.client_secret = input.client_secret;
  return client.discovery(new URL(input.issuer), input.client_id, metadata, authentication(input), {
    execute: [client.allowInsecureRequests],
  });
}

function tokens(response) {
  const claims = response.claims();
  return {
    response: { ...response },
    claims: claims ?? null,
    expires_in: response.expiresIn() ?? null,
  };
}

const OPERATIONS = {
  async discover(input) {
    const config = await configure(input);
    return { metadata: config.serverMetadata() };
  },

  async "authorization-url"(input) {
    const config = await configure(input);
    need(input, "redirect_uri");
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const parameters = {
      redirect_uri: input.redirect_uri,
      scope: input.scope ?? "openid email profile",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
      ...(input.parameters ?? {}),
    };
    const url = client.buildAuthorizationUrl(config, parameters);
    return { url: url.href, verifier, state, nonce };
  },

  async callback(input) {
    const config = await configure(input);
    need(input, "callback_url", "verifier", "state", "nonce");
    // Checks RFC 9207 iss (the provider advertises it), state, PKCE, and the ID token's signature,
    // iss, aud, exp, iat and nonce.
    // With "max_age" it also checks the ID token's auth_time against it.
    const checks = {
      pkceCodeVerifier: input.verifier,
      expectedState: input.state,
      expectedNonce: input.nonce,
      idTokenExpected: true,
    };
    if (input.max_age !== undefined) checks.maxAge = input.max_age;
    return tokens(await client.authorizationCodeGrant(config, new URL(input.callback_url), checks));
  },

  async "end-session-url"(input) {
    const config = await configure(input);
    return { url: client.buildEndSessionUrl(config, input.parameters ?? {}).href };
  },

  async refresh(input) {
    const config = await configure(input);
    need(input, "refresh_token");
    return tokens(await client.refreshTokenGrant(config, input.refresh_token, input.parameters ?? {}));
  },

  async userinfo(input) {
    const config = await configure(input);
    need(input, "access_token", "expected_sub");
    return { userinfo: await client.fetchUserInfo(config, input.access_token, input.expected_sub) };
  },

  async "client-credentials"(input) {
    const config = await configure(input);
    return tokens(await client.clientCredentialsGrant(config, input.parameters ?? {}));
  },

  async revoke(input) {
    const config = await configure(input);
    need(input, "token");
    await client.tokenRevocation(config, input.token, input.parameters ?? {});
    return { revoked: true };
  },

  async introspect(input) {
    const config = await configure(input);
    need(input, "token");
    return { introspection: await client.tokenIntrospection(config, input.token, input.parameters ?? {}) };
  },
};

async function describe(error) {
  // "reason": the messages down the cause chain (openid-client wraps oauth4webapi's errors).
  const reasons = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) reasons.push(e.message);
  const described = {
    name: error?.name ?? null,
    code: error?.code ?? null,
    message: error?.message ?? String(error),
    reason: reasons.join(": "),
  };
  // ResponseBodyError (an OAuth error body), WWWAuthenticateChallengeError, and the checks' cause.
  for (const key of ["error", "error_description", "status"]) {
    if (error?.[key] !== undefined) described[key] = error[key];
  }
  if (error?.cause !== undefined) {
    described.cause = error.cause instanceof Error ? { name: error.cause.name, message: error.cause.message } : error.cause;
  }
  // A WWW-Authenticate challenge leaves the response body unread: keep it.
  if (error?.response instanceof Response && !error.response.bodyUsed) {
    const text = await error.response.text().catch(() => "");
    try {
      described.body = JSON.parse(text);
    } catch {
      described.body = text;
    }
  }
  return described;
}

async function main() {
  let input;
  try {
    input = JSON.parse(await readInput());
  } catch (error) {
    process.stderr.write(`rp.mjs: the input is not JSON: ${error.message}\n`);
    return 2;
  }
  const operation = OPERATIONS[input?.op];
  if (!operation) {
    process.stderr.write(`rp.mjs: unknown op ${JSON.stringify(input?.op)}; one of ${Object.keys(OPERATIONS).join(", ")}\n`);
    return 2;
  }
  try {
    const result = await operation(input);
    process.stdout.write(JSON.stringify({ ok: true, result }) + "\n");
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`rp.mjs: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`rp.mjs ${input.op}: ${error?.stack ?? error}\n`);
    if (error?.cause !== undefined) process.stderr.write(`cause: ${JSON.stringify(error.cause)}\n`);
    process.stdout.write(JSON.stringify({ ok: false, error: await describe(error) }) + "\n");
    return 1;
  }
}

process.exitCode = await main();
