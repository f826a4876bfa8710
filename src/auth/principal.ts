export const ROLES = ['partner', 'governance', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The verified caller, from the token's claims. */
export interface Principal {
  sub: string;
  partnerId: string | null;
  roles: Role[];
  purpose: string | null;
  /** When the token expires (epoch seconds); long-lived connections stop serving then. */
  expiresAt?: number;
}
