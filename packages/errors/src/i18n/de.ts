/**
 * Deutsche Texte für die Person, deren Identität geprüft wird: kurz, ruhig, ohne
 * Fachbegriffe und ohne Schuldzuweisung, mit einem klaren nächsten Schritt.
 */
import type { Messages } from './messages.js';

/** German messages. */
export const DE: Messages = {
  locale: 'de',
  languageName: 'Deutsch',
  errors: {
    // Authentication and authorization
    AUTH_INVALID_CREDENTIALS:
      'Die App konnte keine Verbindung zur Identitätsprüfung herstellen. Bitte kehren Sie zur App zurück und versuchen Sie es später erneut, oder wenden Sie sich an den Support der App.',
    AUTH_INVALID_GRANT:
      'Ihre Anmeldung konnte nicht abgeschlossen werden, weil sie bereits verwendet wurde oder abgelaufen ist. Bitte kehren Sie zur App zurück und beginnen Sie erneut.',
    AUTH_INVALID_CLIENT:
      'Diese App ist derzeit nicht für Identitätsprüfungen eingerichtet. Bitte kehren Sie zur App zurück und wenden Sie sich an den Support der App.',
    AUTH_FORBIDDEN:
      'Diese App ist dazu nicht berechtigt. Bitte kehren Sie zur App zurück und wenden Sie sich bei Fragen an den Support der App.',
    AUTH_MISSING_CREDENTIALS:
      'Die App hat sich nicht ausgewiesen, daher konnten wir nicht fortfahren. Bitte kehren Sie zur App zurück und wenden Sie sich an den Support der App, falls das erneut passiert.',
    AUTH_INVALID_TOKEN:
      'Ihre Sitzung in der App ist nicht mehr gültig. Bitte kehren Sie zur App zurück und melden Sie sich erneut an.',
    AUTH_INVALID_DPOP_PROOF:
      'Die App konnte nicht nachweisen, dass diese Anfrage wirklich von ihr stammt. Bitte kehren Sie zur App zurück und versuchen Sie es erneut, oder wenden Sie sich an den Support der App.',
    AUTH_USE_DPOP_NONCE:
      'Die App muss diese Anfrage wiederholen. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
    AUTH_INSUFFICIENT_SCOPE:
      'Die App hat für diese Anfrage keine Berechtigung. Bitte kehren Sie zur App zurück und wenden Sie sich bei Fragen an den Support der App.',
    // Validation of the request
    VALIDATION_MISSING_PARAMETER:
      'Die App hat eine unvollständige Anfrage gesendet. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
    VALIDATION_INVALID_PARAMETER:
      'Die App hat eine Anfrage gesendet, die wir nicht verarbeiten konnten. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
    VALIDATION_INVALID_SCOPE:
      'Die App hat Angaben angefordert, die sie nicht anfordern darf. Bitte kehren Sie zur App zurück und wenden Sie sich an den Support der App.',
    VALIDATION_UNSUPPORTED_RESPONSE_TYPE:
      'Die App hat die Anmeldung auf eine Weise gestartet, die wir nicht unterstützen. Bitte kehren Sie zur App zurück und wenden Sie sich an den Support der App.',
    VALIDATION_UNSUPPORTED_GRANT_TYPE:
      'Die App hat ein Anmeldeverfahren verwendet, das wir nicht unterstützen. Bitte kehren Sie zur App zurück und wenden Sie sich an den Support der App.',
    VALIDATION_MISSING_USER_DATA:
      'Für die Identitätsprüfung fehlen einige Angaben. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
    VALIDATION_INVALID_USER_DATA:
      'Einige Angaben für die Identitätsprüfung haben nicht das erwartete Format. Bitte kehren Sie zur App zurück, prüfen Sie Ihre Angaben und versuchen Sie es erneut.',
    VALIDATION_INVALID_PKCE:
      'Die App hat die Anmeldung auf eine Weise gestartet, die nicht abgesichert werden konnte. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
    VALIDATION_REDIRECT_URI_REQUIRED:
      'Wir wissen nicht, wohin wir Sie nach der Identitätsprüfung zurückleiten sollen. Bitte kehren Sie zu der App zurück, von der Sie gekommen sind, und wenden Sie sich an den Support der App.',
    VALIDATION_MISSING_CLIENT_SECRET:
      'Die App konnte sich nicht ausweisen. Bitte kehren Sie zur App zurück und wenden Sie sich an den Support der App, falls das erneut passiert.',
    VALIDATION_UNPROCESSABLE:
      'Die App hat eine Prüfung angefordert, die dieses Identifizierungsverfahren nicht leisten kann. Bitte kehren Sie zur App zurück und wählen Sie ein anderes Verfahren.',
    VALIDATION_METHOD_NOT_ALLOWED:
      'Die App hat eine Anfrage gesendet, die wir nicht verarbeiten konnten. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
    VALIDATION_NOT_ACCEPTABLE:
      'Die App hat eine Anfrage gesendet, die wir nicht verarbeiten konnten. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
    VALIDATION_UNSUPPORTED_MEDIA_TYPE:
      'Die App hat eine Anfrage gesendet, die wir nicht verarbeiten konnten. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
    VALIDATION_PAYLOAD_TOO_LARGE:
      'Die App hat mehr Daten gesendet, als wir annehmen können. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
    VALIDATION_URI_TOO_LONG:
      'Der Link, über den Sie hierher gelangt sind, ist zu lang. Bitte kehren Sie zur App zurück und beginnen Sie erneut.',
    VALIDATION_HEADERS_TOO_LARGE:
      'Ihr Browser hat mehr Daten gesendet, als wir annehmen können. Es kann helfen, die Cookies dieser Website zu löschen und es erneut zu versuchen.',
    // Sessions and transactions
    SESSION_NOT_FOUND:
      'Ihre Identitätsprüfung ist abgelaufen oder nicht mehr verfügbar. Bitte kehren Sie zur App zurück und beginnen Sie erneut.',
    SESSION_VERIFICATION_NOT_FOUND:
      'Wir konnten diese Identitätsprüfung nicht finden; möglicherweise ist sie abgelaufen. Bitte kehren Sie zur App zurück und beginnen Sie erneut.',
    SESSION_INVALID_STATUS_TRANSITION:
      'Diese Identitätsprüfung ist bereits beendet und kann nicht mehr geändert werden. Bitte kehren Sie zur App zurück.',
    SESSION_INVALID_FLOW:
      'Diese Art der Identitätsprüfung steht für diese App nicht zur Verfügung. Bitte kehren Sie zur App zurück und wählen Sie ein anderes Verfahren.',
    // Identity providers
    PROVIDER_NOT_FOUND:
      'Das gewählte Identifizierungsverfahren ist nicht verfügbar. Bitte kehren Sie zur App zurück und wählen Sie ein anderes.',
    PROVIDER_NOT_ENABLED:
      'Dieses Identifizierungsverfahren steht für diese App derzeit nicht zur Verfügung. Bitte wählen Sie ein anderes oder versuchen Sie es später erneut.',
    PROVIDER_INITIALIZATION_FAILED:
      'Wir konnten die Prüfung bei Ihrem Identitätsanbieter nicht starten. Bitte versuchen Sie es in einigen Minuten erneut.',
    PROVIDER_ERROR:
      'Ihr Identitätsanbieter hat ein Problem gemeldet. Bitte versuchen Sie es in einigen Minuten erneut.',
    PROVIDER_UNAVAILABLE:
      'Ihr Identitätsanbieter ist vorübergehend nicht erreichbar. Bitte versuchen Sie es später erneut oder wählen Sie ein anderes Verfahren.',
    PROVIDER_CONFIGURATION_ERROR:
      'Dieses Identifizierungsverfahren ist für diese App nicht richtig eingerichtet. Bitte wählen Sie ein anderes Verfahren oder wenden Sie sich an den Support der App.',
    PROVIDER_AUTHENTICATION_FAILED:
      'Wir können derzeit keine Verbindung zu Ihrem Identitätsanbieter herstellen. Bitte versuchen Sie es später erneut oder wenden Sie sich an den Support der App.',
    PROVIDER_UNEXPECTED_RESPONSE:
      'Wir haben eine unerwartete Antwort von Ihrem Identitätsanbieter erhalten. Bitte versuchen Sie es in einigen Minuten erneut.',
    PROVIDER_PRESENTATION_INVALID:
      'Ihre Wallet hat eine Antwort gesendet, die wir nicht annehmen können. Bitte beginnen Sie erneut und teilen Sie Ihren Nachweis noch einmal.',
    PROVIDER_CREDENTIAL_UNTRUSTED:
      'Der Nachweis in Ihrer Wallet stammt nicht von einem Aussteller, den wir akzeptieren. Bitte verwenden Sie einen amtlichen Identitätsnachweis.',
    PROVIDER_CREDENTIAL_EXPIRED:
      'Der Nachweis in Ihrer Wallet ist abgelaufen. Bitte erneuern Sie ihn in Ihrer Wallet und versuchen Sie es erneut.',
    PROVIDER_CREDENTIAL_REVOKED:
      'Der Nachweis in Ihrer Wallet ist nicht mehr gültig. Bitte fordern Sie bei seinem Aussteller einen neuen an und versuchen Sie es erneut.',
    // The system
    SYSTEM_INTERNAL_ERROR: 'Bei uns ist ein Fehler aufgetreten. Bitte versuchen Sie es in einigen Minuten erneut.',
    SYSTEM_UNSUPPORTED_MODE:
      'Diese Option ist nicht verfügbar. Bitte kehren Sie zur App zurück und wählen Sie einen anderen Weg.',
    SYSTEM_UNAVAILABLE:
      'Die Identitätsprüfung ist vorübergehend nicht verfügbar. Bitte versuchen Sie es in einigen Minuten erneut.',
    SYSTEM_RATE_LIMITED:
      'Es gab zu viele Versuche in kurzer Zeit. Bitte warten Sie einen Moment und versuchen Sie es dann erneut.',
    // Resources
    RESOURCE_NOT_FOUND:
      'Die gesuchte Seite wurde nicht gefunden. Bitte kehren Sie zur App zurück und beginnen Sie erneut.',
    RESOURCE_CONFLICT:
      'Ihre Anfrage überschneidet sich mit einer anderen, die noch bearbeitet wird. Bitte warten Sie einen Moment und versuchen Sie es dann erneut.',
    RESOURCE_PRECONDITION_FAILED:
      'Die Daten haben sich geändert, während Ihre Anfrage bearbeitet wurde. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
  },
  txStatus: {
    err_not_authenticated:
      'Die Anmeldung bei Ihrem Identitätsanbieter wurde nicht abgeschlossen, daher konnte Ihre Identität nicht bestätigt werden. Sie können zur App zurückkehren und es erneut versuchen.',
    err_user_cancelled:
      'Sie haben die Identitätsprüfung abgebrochen. Sie können jederzeit zur App zurückkehren und neu beginnen.',
    err_user_account_blocked:
      'Die App hat diese Anmeldung nicht zugelassen. Weitere Informationen erhalten Sie beim Support der App.',
    err_session_expired:
      'Die Identitätsprüfung hat zu lange gedauert und ist abgelaufen. Bitte kehren Sie zur App zurück und beginnen Sie erneut.',
    err_loa_not_met:
      'Die Identitätsprüfung hat nicht das Sicherheitsniveau erreicht, das die App verlangt. Bitte versuchen Sie ein anderes Identifizierungsverfahren oder wenden Sie sich an den Support der App.',
    err_missing_user_data:
      'Einige Angaben, die die App benötigt, wurden nicht übermittelt. Bitte kehren Sie zur App zurück und versuchen Sie es erneut, oder wählen Sie ein anderes Identifizierungsverfahren.',
    err_invalid_request:
      'Die App hat eine Anfrage gesendet, die wir nicht verarbeiten konnten. Bitte kehren Sie zur App zurück und versuchen Sie es erneut.',
    err_invalid_scope:
      'Die App hat Angaben angefordert, die sie nicht anfordern darf. Bitte kehren Sie zur App zurück und wenden Sie sich an den Support der App.',
    err_unsupported_response_type:
      'Die App hat die Anmeldung auf eine Weise gestartet, die wir nicht unterstützen. Bitte kehren Sie zur App zurück und wenden Sie sich an den Support der App.',
    err_unauthorized_client:
      'Diese App darf dieses Identifizierungsverfahren nicht verwenden. Bitte kehren Sie zur App zurück und wählen Sie ein anderes, oder wenden Sie sich an den Support der App.',
    err_provider_unavailable:
      'Ihr Identitätsanbieter ist vorübergehend nicht erreichbar. Bitte versuchen Sie es später erneut oder wählen Sie ein anderes Verfahren.',
    err_provider_error:
      'Ihr Identitätsanbieter hat ein Problem gemeldet. Bitte versuchen Sie es in einigen Minuten erneut.',
    err_presentation_invalid:
      'Ihre Wallet hat eine Antwort gesendet, die wir nicht annehmen können. Bitte beginnen Sie erneut.',
    err_credential_untrusted: 'Der Nachweis in Ihrer Wallet stammt nicht von einem Aussteller, den wir akzeptieren.',
    err_credential_expired:
      'Der Nachweis in Ihrer Wallet ist abgelaufen. Bitte erneuern Sie ihn und versuchen Sie es erneut.',
    err_credential_revoked:
      'Der Nachweis in Ihrer Wallet ist nicht mehr gültig. Bitte fordern Sie bei seinem Aussteller einen neuen an.',
    err_signin_hook_unavailable:
      'Die App konnte Ihre Anmeldung gerade nicht bestätigen. Bitte versuchen Sie es in einigen Minuten erneut.',
    err_temporarily_unavailable:
      'Die Identitätsprüfung ist derzeit ausgelastet oder vorübergehend nicht verfügbar. Bitte versuchen Sie es in einigen Minuten erneut.',
    err_internal: 'Bei uns ist ein Fehler aufgetreten. Bitte versuchen Sie es in einigen Minuten erneut.',
  },
  page: {
    errorTitle: 'Etwas ist schiefgelaufen',
    requestIdLabel: 'Anfrage-ID',
    errorCodeLabel: 'Fehlercode',
    supportHint:
      'Wenn Sie sich an den Support wenden, nennen Sie bitte diese Anfrage-ID, damit der Vorgang nachvollzogen werden kann.',
    docLinkText: 'Entwicklerdokumentation zu diesem Fehler',
    backToApp: 'Zurück zur App',
    referenceTitle: 'Fehlerreferenz',
    developerDetails: 'Technische Angaben für Entwickler (auf Englisch)',
    timeLabel: 'Zeitpunkt (UTC)',
    supportTitle: 'Support kontaktieren',
    supportQuoteHint: 'Bitte nennen Sie dem Support die Anfrage-ID und den Zeitpunkt oben.',
    supportUrlLabel: 'Support-Seite',
    supportEmailLabel: 'E-Mail',
  },
};
