// A relying party written with panva's openid-client (nobody here wrote it), driven step by
// step by tests/interop/test_openid_client.py. Each command reads a JSON state file, does one
// step against dinhdanh, writes the state back and prints its result as JSON on stdout.
//
//   node rp.mjs begin  <state.json>            discovery, PKCE, state, nonce → authorization URL
//   node rp.mjs par    <state.json>            the same through a pushed authorization request
//   node rp.mjs finish <state.json> <callback> code grant (ID token checked against the JWKS),
//                                              userinfo, refresh, introspection, end-session URL
//   node rp.mjs revoke <state.json>            revoke the refresh token, then try to use it
//   node rp.mjs client-credentials <state.json>
//
// The state file holds {issuer, client_id, client_secret, redirect_uri, scope, ...}.
import { readFileSync, writeFileSync } from 'node:fs'
import * as client from 'openid-client'

const [command, statePath, extra] = process.argv.slice(2)
const state = JSON.parse(readFileSync(statePath, 'utf8'))
const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2))
const print = (value) => process.stdout.write(JSON.stringify(value) + '\n')

async function configure() {
  const config = await client.discovery(
    new URL(state.issuer),
    state.client_id,
    { id_token_signed_response_alg: 'ES256' },
    client.ClientSecretBasic(state.client_secret),
    { execute: [client.allowInsecureRequests] },
  )
  // Verify every ID token's signature against the provider's JWKS (not only its claims).
  client.enableNonRepudiationChecks(config)
  return config
}

async function authorizationParameters() {
  state.code_verifier = client.randomPKCECodeVerifier()
  state.nonce = client.randomNonce()
  state.state = client.randomState()
  return {
    redirect_uri: state.redirect_uri,
    scope: state.scope,
    code_challenge: await client.calculatePKCECodeChallenge(state.code_verifier),
    code_challenge_method: 'S256',
    nonce: state.nonce,
    state: state.state,
    ...(state.extra_parameters || {}),
  }
}

async function main() {
  const config = await configure()
  if (command === 'begin' || command === 'par') {
    const parameters = await authorizationParameters()
    const url =
      command === 'par'
        ? await client.buildAuthorizationUrlWithPAR(config, parameters)
        : client.buildAuthorizationUrl(config, parameters)
    save()
    print({ url: url.href })
  } else if (command === 'finish') {
    const tokens = await client.authorizationCodeGrant(config, new URL(extra), {
      pkceCodeVerifier: state.code_verifier,
      expectedNonce: state.nonce,
      expectedState: state.state,
      idTokenExpected: true,
    })
    const claims = tokens.claims()
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token)
    state.refresh_token = refreshed.refresh_token
    state.old_refresh_token = tokens.refresh_token
    state.id_token = refreshed.id_token || tokens.id_token
    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: state.id_token,
      post_logout_redirect_uri: state.post_logout_redirect_uri,
      state: 'bye',
    })
    save()
    print({
      id_token_claims: claims,
      userinfo,
      introspection,
      refreshed: {
        rotated: refreshed.refresh_token !== tokens.refresh_token,
        access_token_changed: refreshed.access_token !== tokens.access_token,
        id_token_claims: refreshed.id_token ? refreshed.claims() : null,
      },
      end_session_url: endSession.href,
    })
  } else if (command === 'reuse') {
    // The refresh token already rotated away: presenting it again must fail, and must end the
    // family (the rotated token dies with it).
    const outcome = {}
    for (const [name, token] of [['old', state.old_refresh_token], ['new', state.refresh_token]]) {
      try {
        await client.refreshTokenGrant(config, token)
        outcome[name] = 'accepted'
      } catch (error) {
        outcome[name] = await oauthError(error)
      }
    }
    print(outcome)
  } else if (command === 'client-credentials') {
    const tokens = await client.clientCredentialsGrant(config, { scope: state.scope })
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    await client.tokenRevocation(config, tokens.access_token)
    const after = await client.tokenIntrospection(config, tokens.access_token)
    print({ token_type: tokens.token_type, expires_in: tokens.expires_in, introspection, after })
  } else {
    throw new Error(`unknown command ${command}`)
  }
}

// The OAuth error code: parsed from the body by the library, or (a 401 answered with a
// WWW-Authenticate challenge, which the library raises before reading the body) from the
// challenge's parameters or the response body itself.
async function oauthError(error) {
  if (error.error) return error.error
  const challenged = Array.isArray(error.cause) && error.cause[0]?.parameters?.error
  if (challenged) return challenged
  if (error.response) {
    try {
      const body = await error.response.clone().json()
      if (body.error) return body.error
    } catch {}
  }
  return error.code || error.name
}

main().catch(async (error) => {
  print({
    error: await oauthError(error),
    message: String(error.message || error),
    claim: error.cause?.claim ?? error.cause?.cause?.claim,
  })
  process.exit(1)
})
