// Splitting PEM bundles into single certificates.

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate block of a PEM bundle, each normalised to end with a newline. */
export function splitPemCertificates(bundle: string): string[] {
  return (bundle.match(CERT_BLOCK) ?? []).map((block) => `${block}\n`);
}
