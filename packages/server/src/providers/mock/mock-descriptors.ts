/** The descriptors of the sandbox mock providers (SPEC 5). */
import { PERSON_CLAIMS, type ProviderDescriptor } from '../descriptors.js';

/** The sandbox mock providers, one per flow type. */
export const MOCK_PROVIDERS: readonly ProviderDescriptor[] = [
  {
    id: 'mock-redirect',
    name: 'Mock redirect provider',
    flowTypes: ['redirect'],
    maxLoa: 4,
    requiredUserData: [],
    claims: PERSON_CLAIMS,
    countries: [],
    sandboxOnly: true,
    settings: [],
  },
  {
    id: 'mock-qr',
    name: 'Mock QR provider',
    flowTypes: ['qr'],
    maxLoa: 3,
    requiredUserData: [],
    claims: PERSON_CLAIMS,
    countries: [],
    sandboxOnly: true,
    settings: [],
  },
  {
    id: 'mock-push',
    name: 'Mock push provider',
    flowTypes: ['push'],
    maxLoa: 3,
    requiredUserData: ['personalNumber'],
    claims: PERSON_CLAIMS,
    countries: [],
    sandboxOnly: true,
    settings: [],
    loginHintField: 'personalNumber',
  },
];
