// The one place that loads @peculiar/x509: it needs the reflect polyfill before it is evaluated
// and a WebCrypto provider, so every user imports it from here.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
