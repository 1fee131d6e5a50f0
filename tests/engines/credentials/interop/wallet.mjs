// A wallet that takes a credential from a live Ortaq server, built on the Digital Bazaar stack and Node's own
// fetch (no Ortaq code): it makes its own did:key, runs the issuance protocol, and verifies what it received.
//
//   node wallet.mjs vc-api LOADER.json BASE_URL LCW_DEEP_LINK [eddsa-rdfc-2022|Ed25519Signature2020]
//        VC-API exchange as the Learner Credential Wallet runs it: POST {} to protocols.vcapi, answer the
//        DIDAuthentication request with a presentation signed by vc.signPresentation (challenge, domain).
//   node wallet.mjs oid4vci LOADER.json BASE_URL OPENID_CREDENTIAL_OFFER_URI
//        OID4VCI 1.0 pre-authorised code flow: issuer metadata, authorisation server metadata, token, nonce,
//        credential request with a jwt key proof (typ openid4vci-proof+jwt, EdDSA, kid = did:key DID URL)
//        signed by the did:key's Ed25519Multikey signer.
//   -> {"did", "credential", "verified", "error", "status": [bool], "steps": [...]} on stdout
//
// The received credential is verified by vc.verifyCredential with the status checked by
// @digitalbazaar/vc-bitstring-status-list. The loader serves the bundled contexts from LOADER.json, computes
// did:key documents, and fetches did:web documents and status lists from BASE_URL only (over http: the test
// server has no TLS; a did:web is otherwise https).
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import didContext from 'did-context';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const readJson = path => JSON.parse(readFileSync(path, 'utf8'));
const steps = [];

function makeLoader(config, base) {
  const contexts = new Map(Object.entries(config.contexts || {}));
  contexts.set('https://www.w3.org/ns/did/v1', didContext.contexts.get('https://www.w3.org/ns/did/v1'));
  const origin = new URL(base).origin;
  // One request at a time, and each URL once: a proof set and two status lists would otherwise be read in
  // parallel, and the test's live server on an in-memory SQLite database shares one connection between its
  // request threads (concurrent reads there fail with "bad parameter or other API misuse"). A wallet talking
  // to a production server could read in parallel; nothing checked here depends on it.
  const fetched = new Map();
  let queue = Promise.resolve();
  const read = async url => {
    const response = await fetch(url, {headers: {Accept: 'application/json'}});
    if(!response.ok) {
      throw new Error(`wallet loader: ${url} answered ${response.status}`);
    }
    return response.json();
  };
  const fetchJson = async url => {
    if(new URL(url).origin !== origin) {
      throw new Error(`wallet loader: will not fetch ${url} (only ${origin})`);
    }
    if(!fetched.has(url)) {
      const pending = queue.then(() => read(url));
      queue = pending.catch(() => undefined);
      fetched.set(url, pending);
    }
    return structuredClone(await fetched.get(url));
  };
  const didDocument = async did => {
    if(did.startsWith('did:key:')) {
      const fingerprint = did.slice('did:key:'.length);
      const id = `${did}#${fingerprint}`;
      return {
        '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id,
        verificationMethod: [{id, type: 'Multikey', controller: did, publicKeyMultibase: fingerprint}],
        assertionMethod: [id], authentication: [id]
      };
    }
    if(did.startsWith('did:web:')) {  // did:web method spec §3.2.2 (Read), over http for the test server
      const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
      return fetchJson(`http://${host}/${path.length ? path.join('/') : '.well-known'}/did.json`);
    }
    throw new Error(`wallet loader: cannot resolve ${did}`);
  };
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
    }
    if(url.startsWith('did:')) {
      const [did, fragment] = url.split('#');
      const document = await didDocument(did);
      if(fragment === undefined) {
        return {contextUrl: null, documentUrl: url, document};
      }
      const method = (document.verificationMethod || []).find(m => m.id === url);
      if(!method) {
        throw new Error(`${did} does not list ${url}`);
      }
      const context = method.type === 'Multikey' ? 'https://w3id.org/security/multikey/v1' :
        'https://w3id.org/security/suites/ed25519-2020/v1';
      return {contextUrl: null, documentUrl: url, document: {'@context': context, ...method}};
    }
    return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
  };
}

async function newDidKey() {
  const generated = await Ed25519Multikey.generate();
  const fingerprint = generated.publicKeyMultibase;  // did:key method: the multibase public key is the fingerprint
  const did = `did:key:${fingerprint}`;
  const exported = await generated.export({publicKey: true, secretKey: true, includeContext: true});
  const key = await Ed25519Multikey.from({...exported, id: `${did}#${fingerprint}`, controller: did});
  return {did, key};
}

async function post(url, body, headers = {}) {
  const response = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json', ...headers}, body: JSON.stringify(body)});
  const json = await response.json();
  steps.push({url, status: response.status});
  if(!response.ok) {
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(json)}`);
  }
  return json;
}

async function getJson(url) {
  const response = await fetch(url, {headers: {Accept: 'application/json'}});
  steps.push({url, status: response.status});
  if(!response.ok) {
    throw new Error(`${url} answered ${response.status}`);
  }
  return response.json();
}

async function vcApi(documentLoader, deepLink, suiteName = 'eddsa-rdfc-2022') {
  let did, suite;
  if(suiteName === 'Ed25519Signature2020') {  // what the Learner Credential Wallet signs DID authentication with
    const key = await Ed25519VerificationKey2020.generate();
    did = `did:key:${key.fingerprint()}`;
    key.id = `${did}#${key.fingerprint()}`;
    key.controller = did;
    suite = new Ed25519Signature2020({key});
  } else {
    const made = await newDidKey();
    did = made.did;
    suite = new DataIntegrityProof({signer: made.key.signer(), cryptosuite: rdfc});
  }
  const request = JSON.parse(new URL(deepLink).searchParams.get('request'));
  const exchange = request.protocols.vcapi;
  const {verifiablePresentationRequest: vpr} = await post(exchange, {});
  if(!vpr || !vpr.query.some(q => q.type === 'DIDAuthentication')) {
    throw new Error(`expected a DIDAuthentication request, got ${JSON.stringify(vpr)}`);
  }
  const presentation = vc.createPresentation({holder: did});
  const signed = await vc.signPresentation({presentation, suite, challenge: vpr.challenge, domain: vpr.domain, documentLoader});
  const answer = await post(exchange, {verifiablePresentation: signed});
  return {did, credential: answer.verifiablePresentation.verifiableCredential[0], replay: await replay(exchange, {verifiablePresentation: signed})};
}

async function replay(url, body) {
  const response = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  return response.status;
}

const b64url = bytes => Buffer.from(bytes).toString('base64url');

async function oid4vci(documentLoader, offerUri) {
  const {did, key} = await newDidKey();
  const offer = JSON.parse(new URL(offerUri).searchParams.get('credential_offer'));
  const issuer = offer.credential_issuer;
  const metadata = await getJson(`${issuer}/.well-known/openid-credential-issuer`);
  const server = await getJson(`${issuer}/.well-known/oauth-authorization-server`);
  const configurationId = offer.credential_configuration_ids[0];
  if(!metadata.credential_configurations_supported[configurationId]) {
    throw new Error(`the issuer does not describe ${configurationId}`);
  }
  const grant = offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'];
  const tokenResponse = await fetch(server.token_endpoint, {
    method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': grant['pre-authorized_code']})
  });
  steps.push({url: server.token_endpoint, status: tokenResponse.status});
  const token = await tokenResponse.json();
  if(!tokenResponse.ok) {
    throw new Error(`token endpoint: ${JSON.stringify(token)}`);
  }
  const {c_nonce: nonce} = await post(metadata.nonce_endpoint, {});
  const header = {typ: 'openid4vci-proof+jwt', alg: 'EdDSA', kid: key.id};
  const claims = {aud: issuer, iat: Math.floor(Date.now() / 1000), nonce};
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = await key.signer().sign({data: new TextEncoder().encode(signingInput)});
  const jwt = `${signingInput}.${b64url(signature)}`;
  const body = {credential_configuration_id: configurationId, proofs: {jwt: [jwt]}};
  const response = await post(metadata.credential_endpoint, body, {Authorization: `Bearer ${token.access_token}`});
  const again = await fetch(metadata.credential_endpoint, {method: 'POST', headers: {'Content-Type': 'application/json', Authorization: `Bearer ${token.access_token}`}, body: JSON.stringify(body)});
  return {did, credential: response.credentials[0].credential, replay: again.status};
}

async function main() {
  const [protocol, loaderPath, base, link, suiteName] = process.argv.slice(2);
  const documentLoader = makeLoader(readJson(loaderPath), base);
  const {did, credential, replay: replayStatus} = protocol === 'vc-api' ?
    await vcApi(documentLoader, link, suiteName) : await oid4vci(documentLoader, link);
  const result = await vc.verifyCredential({
    credential, documentLoader, checkStatus,
    suite: [new DataIntegrityProof({cryptosuite: rdfc}), new Ed25519Signature2020()]
  });
  const error = result.verified ? '' : String(
    (result.error && (result.error.errors || [result.error]).map(e => e.message).join('; ')) || JSON.stringify(result.results || result));
  const status = ((result.statusResult && result.statusResult.results) || []).map(r => r.status);
  process.stdout.write(JSON.stringify({did, credential, verified: result.verified, error, status, replay: replayStatus, steps}));
}

try {
  await main();
} catch(e) {
  console.error(String(e && e.stack || e));
  console.error(JSON.stringify(steps));
  process.exit(1);
}
