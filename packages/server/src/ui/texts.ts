/**
 * The strings of the hosted pages, in every language idgate speaks (English, German).
 * A missing string in one language is a type error. Values are plain text: the page
 * templates escape them.
 */
import { DEFAULT_LOCALE } from '@idgate/errors';
import type { FlowType } from '../domain/verification.js';

/** Every string the hosted pages show. */
export interface PageStrings {
  readonly locale: string;
  /** The product name in the page header. */
  readonly brand: string;
  /** The badge of sandbox pages. */
  readonly sandbox: string;
  readonly cancel: string;
  readonly continueButton: string;
  /** Appended to the text of a link that opens a new tab. */
  readonly opensInNewTab: string;

  // provider choice
  readonly chooseTitle: string;
  chooseIntro(appName: string): string;
  readonly chooseLegend: string;
  readonly noProviders: string;
  continueWith(providerName: string): string;
  readonly flowTypeNames: Readonly<Record<FlowType, string>>;
  readonly flowDescriptions: Readonly<Record<FlowType, string>>;
  readonly flowTypeLabel: string;
  readonly countriesLabel: string;
  readonly allCountries: string;
  readonly providerUnavailable: string;

  // identifier entry
  identifyTitle(providerName: string): string;
  identifyIntro(providerName: string): string;
  /** Labels of the `userData` fields a provider may need; unknown fields show their name. */
  readonly userDataLabels: Readonly<Record<string, string>>;
  /** Help under a `userData` field in the sandbox. */
  readonly sandboxIdentityHelp: string;
  readonly chooseAnother: string;
  readonly errorSummaryTitle: string;
  /** Prefixes the `<title>` of a page that shows form errors. */
  readonly errorTitlePrefix: string;
  fieldRequired(label: string): string;
  fieldInvalid(label: string): string;

  // waiting (QR, push)
  readonly waitTitles: Readonly<Record<FlowType, string>>;
  readonly qrInstructions: string;
  readonly qrImageLabel: string;
  readonly qrDataLabel: string;
  readonly pushInstructions: string;
  readonly waiting: string;
  readonly waitingAtProvider: Readonly<Record<FlowType, string>>;
  readonly checkNow: string;
  readonly openSandboxPhone: string;
  readonly sandboxPhoneHelp: string;
  /** Before the countdown of the waiting page (`m:ss` follows). */
  readonly timeLeftLabel: string;
  /** Above the same-device link of the waiting page. */
  readonly sameDeviceHelp: string;
  readonly openOnThisDevice: string;
  /** The Digital Credentials API: what the button does, and the button. */
  readonly dcApiHelp: string;
  readonly dcApiButton: string;

  // sandbox mock provider screen
  mockTitle(providerName: string): string;
  readonly mockBanner: string;
  readonly mockIntro: string;
  readonly mockLegend: string;
  /**
   * Descriptions of the sandbox test identities in this language, by identity; an identity
   * without one shows its English description (marked `lang="en"`).
   */
  readonly mockIdentityDescriptions: Readonly<Record<string, string>>;

  // finished
  readonly doneTitle: string;
  readonly doneReturn: string;
  readonly doneOtherDevice: string;
  readonly statusLabel: string;
}

const EN: PageStrings = {
  locale: 'en',
  brand: 'idgate',
  sandbox: 'Sandbox',
  cancel: 'Cancel',
  continueButton: 'Continue',
  opensInNewTab: '(opens in a new tab)',

  chooseTitle: 'Verify your identity',
  chooseIntro: (appName) => `${appName} asks you to verify your identity. Choose how:`,
  chooseLegend: 'Identity providers',
  noProviders: 'No identity provider can be used for this request. Cancel and return to the app.',
  continueWith: (providerName) => `Continue with ${providerName}`,
  flowTypeNames: { redirect: 'Website', qr: 'QR code', push: 'Phone app', dc_api: 'Digital wallet' },
  flowDescriptions: {
    redirect: "Sign in on the provider's site.",
    qr: 'Scan a QR code with your phone.',
    push: 'Approve a request on your phone.',
    dc_api: 'Share a credential from the wallet on this device.',
  },
  flowTypeLabel: 'How',
  countriesLabel: 'Countries',
  allCountries: 'All countries',
  providerUnavailable: 'Temporarily unavailable. Try again later or choose another provider.',

  identifyTitle: (providerName) => `Sign in with ${providerName}`,
  identifyIntro: (providerName) => `${providerName} needs the following to send a request to your phone.`,
  userDataLabels: { personalNumber: 'Personal number' },
  sandboxIdentityHelp: 'Sandbox: enter a test identity, for example success, deny or timeout.',
  chooseAnother: 'Choose another provider',
  errorSummaryTitle: 'There is a problem',
  errorTitlePrefix: 'Error: ',
  fieldRequired: (label) => `Enter your ${label.toLowerCase()}.`,
  fieldInvalid: (label) => `Enter a valid ${label.toLowerCase()}.`,

  waitTitles: {
    redirect: 'Waiting for the provider',
    qr: 'Scan the QR code',
    push: 'Approve on your phone',
    dc_api: 'Share from your wallet',
  },
  qrInstructions: "Open your identity provider's app on your phone and scan this code.",
  qrImageLabel: 'QR code to scan with your phone',
  qrDataLabel: 'Content of the QR code',
  pushInstructions: 'We sent a request to your phone. Open the app and approve it.',
  waiting: 'Waiting for your answer. This page updates by itself.',
  waitingAtProvider: {
    redirect: 'You are signing in at the provider.',
    qr: 'The code was scanned. Confirm on your phone.',
    push: 'The request was opened on your phone. Confirm it there.',
    dc_api: 'Your wallet is open. Confirm the sharing there.',
  },
  checkNow: 'Check again',
  openSandboxPhone: 'Open the sandbox phone',
  sandboxPhoneHelp: "Sandbox: there is no real phone. The mock provider's screen plays its part.",
  timeLeftLabel: 'Time left:',
  sameDeviceHelp:
    "Is the identity provider's app on this device? Then you cannot scan the code: open the request here.",
  openOnThisDevice: 'Open on this device',
  dcApiHelp: 'Your browser can ask a wallet on this device for the credential.',
  dcApiButton: 'Share from a wallet on this device',

  mockTitle: (providerName) => `${providerName} (sandbox)`,
  mockBanner: 'Sandbox: this is a simulated identity provider. No real identity is checked.',
  mockIntro: 'Choose how the mock provider answers:',
  mockLegend: 'Test identities',
  mockIdentityDescriptions: {},

  doneTitle: 'Verification finished',
  doneReturn: 'You can return to the app now.',
  doneOtherDevice: 'You can close this page and continue on your other device.',
  statusLabel: 'Status',
};

const DE: PageStrings = {
  locale: 'de',
  brand: 'idgate',
  sandbox: 'Sandbox',
  cancel: 'Abbrechen',
  continueButton: 'Weiter',
  opensInNewTab: '(öffnet in einem neuen Tab)',

  chooseTitle: 'Identität bestätigen',
  chooseIntro: (appName) => `${appName} bittet Sie, Ihre Identität zu bestätigen. Wählen Sie, wie:`,
  chooseLegend: 'Identitätsanbieter',
  noProviders:
    'Für diese Anfrage steht kein Identitätsanbieter zur Verfügung. Brechen Sie ab und kehren Sie zur App zurück.',
  continueWith: (providerName) => `Weiter mit ${providerName}`,
  flowTypeNames: { redirect: 'Website', qr: 'QR-Code', push: 'Telefon-App', dc_api: 'Digitale Brieftasche' },
  flowDescriptions: {
    redirect: 'Anmeldung auf der Seite des Anbieters.',
    qr: 'QR-Code mit dem Telefon scannen.',
    push: 'Anfrage auf dem Telefon bestätigen.',
    dc_api: 'Einen Nachweis aus der Wallet auf diesem Gerät teilen.',
  },
  flowTypeLabel: 'Wie',
  countriesLabel: 'Länder',
  allCountries: 'Alle Länder',
  providerUnavailable:
    'Vorübergehend nicht verfügbar. Versuchen Sie es später erneut oder wählen Sie einen anderen Anbieter.',

  identifyTitle: (providerName) => `Anmelden mit ${providerName}`,
  identifyIntro: (providerName) =>
    `${providerName} benötigt die folgenden Angaben, um eine Anfrage an Ihr Telefon zu senden.`,
  userDataLabels: { personalNumber: 'Personennummer' },
  sandboxIdentityHelp: 'Sandbox: Geben Sie eine Testidentität ein, zum Beispiel success, deny oder timeout.',
  chooseAnother: 'Anderen Anbieter wählen',
  errorSummaryTitle: 'Es gibt ein Problem',
  errorTitlePrefix: 'Fehler: ',
  fieldRequired: (label) => `Bitte geben Sie Ihre ${label} ein.`,
  fieldInvalid: (label) => `Bitte geben Sie eine gültige ${label} ein.`,

  waitTitles: {
    redirect: 'Warten auf den Anbieter',
    qr: 'QR-Code scannen',
    push: 'Auf dem Telefon bestätigen',
    dc_api: 'Aus der Wallet teilen',
  },
  qrInstructions: 'Öffnen Sie die App Ihres Identitätsanbieters auf dem Telefon und scannen Sie diesen Code.',
  qrImageLabel: 'QR-Code zum Scannen mit dem Telefon',
  qrDataLabel: 'Inhalt des QR-Codes',
  pushInstructions: 'Wir haben eine Anfrage an Ihr Telefon gesendet. Öffnen Sie die App und bestätigen Sie sie.',
  waiting: 'Warten auf Ihre Antwort. Diese Seite aktualisiert sich von selbst.',
  waitingAtProvider: {
    redirect: 'Sie melden sich beim Anbieter an.',
    qr: 'Der Code wurde gescannt. Bestätigen Sie auf dem Telefon.',
    push: 'Die Anfrage wurde auf dem Telefon geöffnet. Bestätigen Sie sie dort.',
    dc_api: 'Ihre Wallet ist geöffnet. Bestätigen Sie das Teilen dort.',
  },
  checkNow: 'Erneut prüfen',
  openSandboxPhone: 'Sandbox-Telefon öffnen',
  sandboxPhoneHelp: 'Sandbox: Es gibt kein echtes Telefon. Die Seite des simulierten Anbieters übernimmt seine Rolle.',
  timeLeftLabel: 'Verbleibende Zeit:',
  sameDeviceHelp:
    'Ist die App des Identitätsanbieters auf diesem Gerät? Dann können Sie den Code nicht scannen: Öffnen Sie die Anfrage hier.',
  openOnThisDevice: 'Auf diesem Gerät öffnen',
  dcApiHelp: 'Ihr Browser kann eine Wallet auf diesem Gerät nach dem Nachweis fragen.',
  dcApiButton: 'Aus einer Wallet auf diesem Gerät teilen',

  mockTitle: (providerName) => `${providerName} (Sandbox)`,
  mockBanner: 'Sandbox: Dies ist ein simulierter Identitätsanbieter. Es wird keine echte Identität geprüft.',
  mockIntro: 'Wählen Sie, wie der simulierte Anbieter antwortet:',
  mockLegend: 'Testidentitäten',
  mockIdentityDescriptions: {
    success: 'Die Anmeldung gelingt mit allen Angaben, auf der höchsten Vertrauensstufe des Anbieters.',
    deny: 'Die Person schließt die Anmeldung beim Anbieter nicht ab.',
    cancel: 'Die Person bricht beim Anbieter ab.',
    timeout: 'Die Person antwortet nie; die Sitzung läuft ab.',
    partial:
      'Die Anmeldung gelingt, aber der Anbieter liefert nur Vor- und Nachnamen; alle anderen angefragten Angaben stehen in missingClaims.',
    'low-loa':
      'Die Anmeldung gelingt nur auf Vertrauensstufe 2: Die Sitzung wird abgeschlossen, wenn höchstens 2 verlangt war, sonst schlägt sie mit err_loa_not_met fehl.',
    'missing-claims':
      'Der Anbieter liefert keinen Namen, den jede bestätigte Identität braucht: VALIDATION_MISSING_USER_DATA.',
    'no-consent':
      'Die Person stimmt beim Anbieter nicht zu, eine Angabe zu teilen, die jede bestätigte Identität braucht (den Nachnamen): VALIDATION_MISSING_USER_DATA.',
    'invalid-data':
      'Der Anbieter liefert Daten, die die Prüfung nicht bestehen (unmögliches Geburtsdatum, ungültige Staatsangehörigkeit, Telefonnummer nicht im E.164-Format): VALIDATION_INVALID_USER_DATA.',
    'provider-error': 'Der Anbieter antwortet mit einem Fehler.',
    'provider-unavailable': 'Der Anbieter ist nicht erreichbar.',
    'provider-init-failed': 'Der Anbieter verweigert den Start des Vorgangs.',
    'provider-auth-failed': 'Der Anbieter lehnt die Zugangsdaten von idgate ab.',
    'provider-bad-response': 'Der Anbieter antwortet etwas, das idgate nicht verwenden kann.',
    'provider-misconfigured': 'Die Einstellungen des Anbieters für die App sind ungültig.',
    'idgate-internal-error':
      'idgate selbst scheitert unerwartet beim Start der Sitzung: ein maskierter Fehler 500 in REST, server_error mit err_internal in /authorize.',
    'idgate-unavailable':
      'idgate kann die Sitzung nicht speichern, etwa weil die Datenbank nicht erreichbar ist: 503 mit Retry-After in REST, temporarily_unavailable mit err_temporarily_unavailable in /authorize.',
  },

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

/** The label of a `userData` field (its name when idgate has no label for it). */
export function userDataLabel(strings: PageStrings, field: string): string {
  return Object.hasOwn(strings.userDataLabels, field) ? (strings.userDataLabels[field] ?? field) : field;
}
