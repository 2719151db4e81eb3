/**
 * `InlineCertificateConfigEntry.Validate()` of Consul v1.22.7 (CE, not FIPS): the private key and the certificate must
 * each hold a PEM block, an RSA key (`RSA PRIVATE KEY`) must have at least 2048 bits, the certificate must parse as
 * X.509, and the key must belong to it. Messages are Consul's; where Consul appends Go's x509 parser error, meshcc
 * gives Consul's prefix (`failed to parse certificate`). Not checked: the host names in the certificate.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';

/** The first PEM block of `text` (as Go's `pem.Decode` finds it), or undefined. */
function pemBlock(text: string): { type: string; pem: string } | undefined {
  const m = /-----BEGIN ([^-\n]+)-----\r?\n[\s\S]*?\r?\n?-----END \1-----/.exec(text);
  return m ? { type: m[1] ?? '', pem: m[0] } : undefined;
}

export function inlineCertificateError(certificate: string, privateKey: string): string | undefined {
  const keyBlock = pemBlock(privateKey);
  if (keyBlock === undefined) return 'failed to parse private key PEM';
  let key: ReturnType<typeof createPrivateKey> | undefined;
  try {
    key = createPrivateKey(keyBlock.pem);
  } catch {
    key = undefined;
  }
  if (keyBlock.type === 'RSA PRIVATE KEY') {
    const bits = key?.asymmetricKeyDetails?.modulusLength;
    if (bits !== undefined && bits < 2048) return 'key length must be at least 2048 bits';
  }
  const certBlock = pemBlock(certificate);
  if (certBlock === undefined) return 'failed to parse certificate PEM';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certBlock.pem);
  } catch {
    return 'failed to parse certificate';
  }
  if (key !== undefined && !cert.checkPrivateKey(key)) return 'tls: private key does not match public key';
  return undefined;
}
