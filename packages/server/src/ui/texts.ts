/**
 * The strings of the hosted pages, in every language idgate speaks (English, German).
 * A missing string in one language is a type error. Values are plain text: the page
 * templates escape them.
 */
import { DEFAULT_LOCALE } from '@idgate/errors';
import type { FlowType } from '../providers/descriptors.js';

/** Every string the hosted pages show. */
export interface PageStrings {
  readonly locale: string;
  readonly sandbox: string;
  readonly cancel: string;
  readonly chooseTitle: string;
  chooseIntro(appName: string): string;
  readonly chooseLegend: string;
  readonly noProviders: string;
  continueWith(providerName: string): string;
  readonly flowDescriptions: Readonly<Record<FlowType, string>>;
  readonly loginHintLabel: string;
  readonly loginHintHelp: string;
  readonly waitTitles: Readonly<Record<FlowType, string>>;
  readonly waiting: string;
  readonly qrDataLabel: string;
  readonly checkNow: string;
  readonly openMockScreen: string;
  mockTitle(providerName: string): string;
  readonly mockIntro: string;
  readonly mockLegend: string;
  readonly doneTitle: string;
  readonly doneReturn: string;
  readonly doneOtherDevice: string;
  readonly statusLabel: string;
}

const EN: PageStrings = {
  locale: 'en',
  sandbox: 'Sandbox',
  cancel: 'Cancel',
  chooseTitle: 'Verify your identity',
  chooseIntro: (appName) => `${appName} asks you to verify your identity. Choose how:`,
  chooseLegend: 'Identity providers',
  noProviders: 'No identity provider can be used for this request. Cancel and return to the app.',
  continueWith: (providerName) => `Continue with ${providerName}`,
  flowDescriptions: {
    redirect: "Sign in on the provider's site.",
    qr: 'Scan a QR code with your phone.',
    push: 'Approve a request on your phone.',
  },
  loginHintLabel: 'Personal number',
  loginHintHelp: 'In the sandbox: a test identity, for example success.',
  waitTitles: {
    redirect: 'Waiting for the provider',
    qr: 'Scan the QR code',
    push: 'Approve on your phone',
  },
  waiting: 'Waiting for your answer. This page checks again by itself every few seconds.',
  qrDataLabel: 'Content of the QR code',
  checkNow: 'Check now',
  openMockScreen: "Sandbox: open the mock provider's screen",
  mockTitle: (providerName) => `${providerName} (sandbox)`,
  mockIntro: 'This is a mock identity provider of the idgate sandbox. Choose how it answers:',
  mockLegend: 'Test identities',
  doneTitle: 'Verification finished',
  doneReturn: 'You can return to the app now.',
  doneOtherDevice: 'You can close this page and continue on your other device.',
  statusLabel: 'Status',
};

const DE: PageStrings = {
  locale: 'de',
  sandbox: 'Sandbox',
  cancel: 'Abbrechen',
  chooseTitle: 'Identität bestätigen',
  chooseIntro: (appName) => `${appName} bittet Sie, Ihre Identität zu bestätigen. Wählen Sie, wie:`,
  chooseLegend: 'Identitätsanbieter',
  noProviders:
    'Für diese Anfrage steht kein Identitätsanbieter zur Verfügung. Brechen Sie ab und kehren Sie zur App zurück.',
  continueWith: (providerName) => `Weiter mit ${providerName}`,
  flowDescriptions: {
    redirect: 'Anmeldung auf der Seite des Anbieters.',
    qr: 'QR-Code mit dem Telefon scannen.',
    push: 'Anfrage auf dem Telefon bestätigen.',
  },
  loginHintLabel: 'Personennummer',
  loginHintHelp: 'In der Sandbox: eine Testidentität, zum Beispiel success.',
  waitTitles: {
    redirect: 'Warten auf den Anbieter',
    qr: 'QR-Code scannen',
    push: 'Auf dem Telefon bestätigen',
  },
  waiting: 'Warten auf Ihre Antwort. Diese Seite prüft alle paar Sekunden von selbst erneut.',
  qrDataLabel: 'Inhalt des QR-Codes',
  checkNow: 'Jetzt prüfen',
  openMockScreen: 'Sandbox: Seite des simulierten Anbieters öffnen',
  mockTitle: (providerName) => `${providerName} (Sandbox)`,
  mockIntro: 'Dies ist ein simulierter Identitätsanbieter der idgate-Sandbox. Wählen Sie, wie er antwortet:',
  mockLegend: 'Testidentitäten',
  doneTitle: 'Verifizierung abgeschlossen',
  doneReturn: 'Sie können jetzt zur App zurückkehren.',
  doneOtherDevice: 'Sie können diese Seite schließen und auf Ihrem anderen Gerät fortfahren.',
  statusLabel: 'Status',
};

/** The page strings of every language, by locale. */
export const PAGE_STRINGS: Readonly<Record<string, PageStrings>> = Object.freeze({ en: EN, de: DE });

/** The page strings of a locale (from `negotiateLocale`); English when idgate does not speak it. */
export function pageStringsFor(locale: string): PageStrings {
  return (Object.hasOwn(PAGE_STRINGS, locale) ? PAGE_STRINGS[locale] : undefined) ?? PAGE_STRINGS[DEFAULT_LOCALE] ?? EN;
}
