export const ROLES = ['admin', 'operator', 'clerk', 'officer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export type Permission = 'records:write' | 'records:read' | 'audit:read' | 'users:manage' | 'node:operate';

/** What each role may do (DESIGN.md §5). Scope (regions, sectors, source unit) narrows it further. */
const GRANTS: Record<Role, Permission[]> = {
  admin: ['users:manage', 'node:operate', 'records:read'],
  operator: ['node:operate', 'records:read'],
  clerk: ['records:write'],
  officer: ['records:read'],
  auditor: ['audit:read'],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

/** The authenticated caller of a service function. */
export interface Principal {
  userId: number;
  username: string;
  role: Role;
  regions: string[];
  sectors: string[];
  sourceUnit: string | null;
}

/** The node itself reading for a command or a job (no user): the whole node, no narrowing. */
export const SYSTEM_PRINCIPAL: Principal = Object.freeze({ userId: 0, username: 'system', role: 'admin', regions: [], sectors: [], sourceUnit: null }) as Principal;
