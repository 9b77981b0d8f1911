/**
 * English user-facing messages: written for the person being verified, not for the
 * developer. Short, calm, no jargon, no blame, and always what they can do next.
 */
import type { Messages } from './messages.js';

/** English messages (the default language). */
export const EN: Messages = {
  locale: 'en',
  languageName: 'English',
  errors: {
    // Authentication and authorization
    AUTH_INVALID_CREDENTIALS:
      "The app could not connect to the identity check. Please go back to the app and try again later, or contact the app's support.",
    AUTH_INVALID_GRANT:
      'Your sign-in could not be completed because it was already used or has expired. Please go back to the app and start again.',
    AUTH_INVALID_CLIENT:
      "This app is not set up for identity checks at the moment. Please go back to the app and contact the app's support.",
    AUTH_FORBIDDEN:
      "This app is not allowed to do this. Please go back to the app and contact the app's support if you need help.",
    AUTH_MISSING_CREDENTIALS:
      "The app did not identify itself, so we could not continue. Please go back to the app and contact the app's support if this happens again.",
    AUTH_INVALID_TOKEN: 'Your session with the app is no longer valid. Please go back to the app and sign in again.',
    AUTH_INVALID_DPOP_PROOF:
      "The app could not prove that this request is really from it. Please go back to the app and try again, or contact the app's support.",
    AUTH_USE_DPOP_NONCE: 'The app needs to repeat this request. Please go back to the app and try again.',
    AUTH_INSUFFICIENT_SCOPE:
      "The app does not have permission for this request. Please go back to the app and contact the app's support if you need help.",
    // Validation of the request
    VALIDATION_MISSING_PARAMETER: 'The app sent an incomplete request. Please go back to the app and try again.',
    VALIDATION_INVALID_PARAMETER:
      'The app sent a request we could not process. Please go back to the app and try again.',
    VALIDATION_INVALID_SCOPE:
      "The app asked for information it is not allowed to request. Please go back to the app and contact the app's support.",
    VALIDATION_UNSUPPORTED_RESPONSE_TYPE:
      "The app started the sign-in in a way we do not support. Please go back to the app and contact the app's support.",
    VALIDATION_UNSUPPORTED_GRANT_TYPE:
      "The app used a sign-in method we do not support. Please go back to the app and contact the app's support.",
    VALIDATION_MISSING_USER_DATA:
      'Some information needed to check your identity is missing. Please go back to the app and try again.',
    VALIDATION_INVALID_USER_DATA:
      'Some of the details given for the identity check are not in the expected format. Please go back to the app, check your details and try again.',
    VALIDATION_INVALID_PKCE:
      'The app started the sign-in in a way that could not be secured. Please go back to the app and try again.',
    VALIDATION_REDIRECT_URI_REQUIRED:
      "We do not know where to send you back after the identity check. Please return to the app you came from and contact the app's support.",
    VALIDATION_MISSING_CLIENT_SECRET:
      "The app could not identify itself. Please go back to the app and contact the app's support if this happens again.",
    VALIDATION_UNPROCESSABLE:
      'The app asked for a check that this identification method cannot provide. Please go back to the app and choose another method.',
    VALIDATION_METHOD_NOT_ALLOWED:
      'The app sent a request we could not process. Please go back to the app and try again.',
    VALIDATION_NOT_ACCEPTABLE: 'The app sent a request we could not process. Please go back to the app and try again.',
    VALIDATION_UNSUPPORTED_MEDIA_TYPE:
      'The app sent a request we could not process. Please go back to the app and try again.',
    VALIDATION_PAYLOAD_TOO_LARGE: 'The app sent more data than we can accept. Please go back to the app and try again.',
    VALIDATION_URI_TOO_LONG:
      'The link that brought you here is too long for us to process. Please go back to the app and start again.',
    VALIDATION_HEADERS_TOO_LARGE:
      "Your browser sent more data than we can accept. Clearing this site's cookies and trying again may help.",
    // Sessions and transactions
    SESSION_NOT_FOUND:
      'Your identity check has expired or is no longer available. Please go back to the app and start again.',
    SESSION_VERIFICATION_NOT_FOUND:
      'We could not find this identity check; it may have expired. Please go back to the app and start again.',
    SESSION_INVALID_STATUS_TRANSITION:
      'This identity check has already ended and can no longer be changed. Please go back to the app.',
    SESSION_INVALID_FLOW:
      'This way of checking your identity is not available for this app. Please go back to the app and choose another method.',
    // Identity providers
    PROVIDER_NOT_FOUND:
      'The selected identification method is not available. Please go back to the app and choose another one.',
    PROVIDER_NOT_ENABLED:
      'This identification method is not available for this app right now. Please choose another one or try again later.',
    PROVIDER_INITIALIZATION_FAILED:
      'We could not start the check with your identity provider. Please try again in a few minutes.',
    PROVIDER_ERROR: 'Your identity provider reported a problem. Please try again in a few minutes.',
    PROVIDER_UNAVAILABLE:
      'Your identity provider is temporarily unavailable. Please try again later or choose another method.',
    PROVIDER_CONFIGURATION_ERROR:
      "This identification method is not set up correctly for this app. Please choose another method or contact the app's support.",
    PROVIDER_AUTHENTICATION_FAILED:
      "We cannot connect to your identity provider right now. Please try again later or contact the app's support.",
    PROVIDER_UNEXPECTED_RESPONSE:
      'We received an unexpected answer from your identity provider. Please try again in a few minutes.',
    PROVIDER_PRESENTATION_INVALID:
      'Your wallet sent an answer we could not accept. Please start again and share your credential once more.',
    PROVIDER_CREDENTIAL_UNTRUSTED:
      'The credential in your wallet is not from an issuer we accept. Please use an official identity credential.',
    PROVIDER_CREDENTIAL_EXPIRED:
      'The credential in your wallet has expired. Please renew it in your wallet and try again.',
    PROVIDER_CREDENTIAL_REVOKED:
      'The credential in your wallet is no longer valid. Please ask its issuer for a new one and try again.',
    // The system
    SYSTEM_INTERNAL_ERROR: 'Something went wrong on our side. Please try again in a few minutes.',
    SYSTEM_UNSUPPORTED_MODE:
      'This option is not available. Please go back to the app and choose another way to continue.',
    SYSTEM_UNAVAILABLE: 'The identity check is temporarily unavailable. Please try again in a few minutes.',
    SYSTEM_RATE_LIMITED: 'There have been too many attempts in a short time. Please wait a moment and try again.',
    // Resources
    RESOURCE_NOT_FOUND: 'We could not find the page you were looking for. Please go back to the app and start again.',
    RESOURCE_CONFLICT:
      'Your request overlaps with another one that is still being processed. Please wait a moment and try again.',
    RESOURCE_PRECONDITION_FAILED:
      'The information changed while your request was being processed. Please go back to the app and try again.',
  },
  txStatus: {
    err_not_authenticated:
      'The sign-in with your identity provider was not completed, so your identity could not be confirmed. You can go back to the app and try again.',
    err_user_cancelled:
      'You cancelled the identity check. You can go back to the app and start again whenever you are ready.',
    err_user_account_blocked:
      "The app did not allow this sign-in. Please contact the app's support for more information.",
    err_session_expired: 'The identity check took too long and has expired. Please go back to the app and start again.',
    err_loa_not_met:
      "The identity check did not reach the level of security the app requires. Please try another identification method or contact the app's support.",
    err_missing_user_data:
      'Some information the app needs was not provided. Please go back to the app and try again, or choose another identification method.',
    err_invalid_request: 'The app sent a request we could not process. Please go back to the app and try again.',
    err_invalid_scope:
      "The app asked for information it is not allowed to request. Please go back to the app and contact the app's support.",
    err_unsupported_response_type:
      "The app started the sign-in in a way we do not support. Please go back to the app and contact the app's support.",
    err_unauthorized_client:
      "This app may not use this identification method. Please go back to the app and choose another one, or contact the app's support.",
    err_provider_unavailable:
      'Your identity provider is temporarily unavailable. Please try again later or choose another method.',
    err_provider_error: 'Your identity provider reported a problem. Please try again in a few minutes.',
    err_presentation_invalid: 'Your wallet sent an answer we could not accept. Please start again.',
    err_credential_untrusted: 'The credential in your wallet is not from an issuer we accept.',
    err_credential_expired: 'The credential in your wallet has expired. Please renew it and try again.',
    err_credential_revoked: 'The credential in your wallet is no longer valid. Please ask its issuer for a new one.',
    err_signin_hook_unavailable: 'The app could not confirm your sign-in right now. Please try again in a few minutes.',
    err_temporarily_unavailable:
      'The identity check is busy or temporarily unavailable. Please try again in a few minutes.',
    err_internal: 'Something went wrong on our side. Please try again in a few minutes.',
  },
  page: {
    errorTitle: 'Something went wrong',
    requestIdLabel: 'Request ID',
    errorCodeLabel: 'Error code',
    supportHint: 'If you contact support, please mention this request ID so they can look into what happened.',
    docLinkText: 'Developer documentation for this error',
    backToApp: 'Back to the app',
    referenceTitle: 'Error reference',
    developerDetails: 'Technical details for developers',
    timeLabel: 'Time (UTC)',
    supportTitle: 'Contact support',
    supportQuoteHint: 'Please quote the request ID and the time above when you contact support.',
    supportUrlLabel: 'Support page',
    supportEmailLabel: 'Email',
  },
};
