// Cross-check Ortaq credentials with the Digital Bazaar JavaScript stack (offline).
//
//   node interop.mjs verify LOADER.json CREDENTIALS.json [--status]
//        -> {"results":[{"verified":bool,"error":str,"status":[bool]}], "ms": n, "cpu_ms": n}
//        with --status, credentialStatus is checked by @digitalbazaar/vc-bitstring-status-list
//        (status list credentials come from LOADER.json "documents"); otherwise it is stubbed.
//   node interop.mjs verify-proofs LOADER.json CREDENTIALS.json -> {"results": [[{verificationMethod, verified}]]}
//   node interop.mjs sign LOADER.json KEY.json UNSIGNED.json OUT.json [eddsa-rdfc-2022|Ed25519Signature2020]
//   node interop.mjs status-matches CREDENTIALS.json -> {"results": [bool]}
//        whether the status library recognises each credential's BitstringStatusListEntry entries
//        (statusTypeMatches: how a verifier service picks its status checker before checking)
//   node interop.mjs present LOADER.json HOLDER_KEY.json CREDENTIALS.json CHALLENGE DOMAIN OUT.json
//        -> a VerifiablePresentation of CREDENTIALS by the holder (the key's did:key), signed by
//        vc.signPresentation with eddsa-rdfc-2022 (proofPurpose authentication, challenge, domain)
//
// LOADER.json = {"contexts": {url: document}, "documents": {id: controller document}}; the Python
// test writes it from Ortaq's bundled contexts, so both sides canonicalise against the same bytes
// and nothing is fetched. did:key documents are computed here from the key fingerprint.
import {readFileSync, writeFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createVerifyCryptosuite as jcsVerifySuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import didContext from 'did-context';
import {checkStatus as bitstringCheckStatus, statusTypeMatches} from '@digitalbazaar/vc-bitstring-status-list';
import jsigs from 'jsonld-signatures';

const readJson = path => JSON.parse(readFileSync(path, 'utf8'));

function makeLoader(config) {
  const contexts = new Map(Object.entries(config.contexts || {}));
  contexts.set('https://www.w3.org/ns/did/v1', didContext.contexts.get('https://www.w3.org/ns/did/v1'));
  const documents = new Map(Object.entries(config.documents || {}));
  const didKey = did => {
    const fingerprint = did.slice('did:key:'.length);
    const id = `${did}#${fingerprint}`;
    return {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [{id, type: 'Multikey', controller: did, publicKeyMultibase: fingerprint}],
      assertionMethod: [id],
      authentication: [id]
    };
  };
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
    }
    const [base, fragment] = url.split('#');
    let document = documents.get(base);
    if(!document && base.startsWith('did:key:')) {
      document = didKey(base);
    }
    if(document) {
      if(fragment !== undefined) {
        const method = (document.verificationMethod || []).find(m => m.id === url);
        if(!method) {
          throw new Error(`${base} does not list ${url}`);
        }
        const context = method.type === 'Multikey' ? 'https://w3id.org/security/multikey/v1' :
          'https://w3id.org/security/suites/ed25519-2020/v1';
        return {contextUrl: null, documentUrl: url, document: {'@context': context, ...method}};
      }
      return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
    }
    throw new Error(`offline loader: unknown document ${url}`);
  };
}

async function verify(loaderPath, credentialsPath, statusFlag) {
  const documentLoader = makeLoader(readJson(loaderPath));
  const credentials = readJson(credentialsPath);
  const suite = [
    new DataIntegrityProof({cryptosuite: rdfc}),
    new DataIntegrityProof({cryptosuite: jcsVerifySuite()}),
    new Ed25519Signature2020()
  ];
  const results = [];
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for(const credential of credentials) {
    try {
      const result = await vc.verifyCredential({
        credential, suite, documentLoader,
        // without --status, status is Ortaq's own check and this cross-check is about proofs
        checkStatus: statusFlag === '--status' ? bitstringCheckStatus : async () => ({verified: true})
      });
      const error = result.verified ? '' : String(
        (result.error && (result.error.errors || [result.error]).map(e => e.message).join('; ')) ||
        JSON.stringify(result.results || result));
      const status = ((result.statusResult && result.statusResult.results) || []).map(r => r.status);
      results.push({verified: result.verified, error, status});
    } catch(e) {
      results.push({verified: false, error: String(e && e.message || e)});
    }
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpuStart);
  // cpu_ms: user+system CPU time of the verification loop (all threads of this process)
  process.stdout.write(JSON.stringify({results, ms, cpu_ms: (cpu.user + cpu.system) / 1000}));
}

async function sign(loaderPath, keyPath, unsignedPath, outPath, suiteName = 'eddsa-rdfc-2022') {
  const documentLoader = makeLoader(readJson(loaderPath));
  const keyJson = readJson(keyPath);
  let suite;
  if(suiteName === 'Ed25519Signature2020') {
    // Ed25519VerificationKey2020 wants the 64-byte (seed || public key) private key; the test
    // passes it as privateKeyMultibase next to the Multikey fields.
    const key = await Ed25519VerificationKey2020.from({
      id: keyJson.id, controller: keyJson.controller, type: 'Ed25519VerificationKey2020',
      publicKeyMultibase: keyJson.publicKeyMultibase,
      privateKeyMultibase: keyJson.privateKeyMultibase
    });
    suite = new Ed25519Signature2020({key});
  } else {
    const key = await Ed25519Multikey.from(keyJson);
    suite = new DataIntegrityProof({signer: key.signer(), cryptosuite: rdfc});
  }
  const unsigned = readJson(unsignedPath);
  const signed = [];
  for(const credential of unsigned) {
    signed.push(await vc.issue({credential, suite, documentLoader}));
  }
  writeFileSync(outPath, JSON.stringify(signed, null, 2));
}

// Each proof of a proof set on its own: vc.verifyCredential only counts proofs whose key the issuer
// controls (co-signers' proofs do not match its purpose and are skipped), so co-signatures are checked
// here with the plain assertion purpose: the signature, and the key listed under its controller's
// assertionMethod.
async function verifyProofs(loaderPath, credentialsPath) {
  const documentLoader = makeLoader(readJson(loaderPath));
  const suite = [new DataIntegrityProof({cryptosuite: rdfc})];
  const results = [];
  for(const credential of readJson(credentialsPath)) {
    const proofs = Array.isArray(credential.proof) ? credential.proof : [credential.proof];
    const perProof = [];
    for(const proof of proofs) {
      const single = {...credential, proof};
      const result = await jsigs.verify(single, {suite, purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader});
      perProof.push({verificationMethod: proof.verificationMethod, verified: result.verified});
    }
    results.push(perProof);
  }
  process.stdout.write(JSON.stringify({results}));
}

// What a wallet built on this stack sends to a verifier: the holder's presentation, signed for one request.
async function present(loaderPath, keyPath, credentialsPath, challenge, domain, outPath) {
  const documentLoader = makeLoader(readJson(loaderPath));
  const key = await Ed25519Multikey.from(readJson(keyPath));
  const suite = new DataIntegrityProof({signer: key.signer(), cryptosuite: rdfc});
  const presentation = vc.createPresentation({verifiableCredential: readJson(credentialsPath), holder: key.controller});
  const signed = await vc.signPresentation({presentation, suite, challenge, domain, documentLoader});
  writeFileSync(outPath, JSON.stringify(signed, null, 2));
}

function statusMatches(credentialsPath) {
  const results = readJson(credentialsPath).map(credential => statusTypeMatches({credential}));
  process.stdout.write(JSON.stringify({results}));
}

const [command, ...args] = process.argv.slice(2);
try {
  if(command === 'verify') {
    await verify(...args);
  } else if(command === 'verify-proofs') {
    await verifyProofs(...args);
  } else if(command === 'sign') {
    await sign(...args);
  } else if(command === 'present') {
    await present(...args);
  } else if(command === 'status-matches') {
    statusMatches(...args);
  } else {
    console.error('usage: interop.mjs verify|sign ...');
    process.exit(2);
  }
} catch(e) {
  console.error(String(e && e.stack || e));
  process.exit(1);
}
