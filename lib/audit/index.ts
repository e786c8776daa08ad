export { AUDIT_TRAIL_PATH, createAuditTrailEndpoint } from './endpoint.ts';
export { createAuditLog, DEFAULT_AUDIT_RETENTION_DAYS } from './migration.ts';
export { actorOf, changedFields, recordAudit, type AuditChange } from './record.ts';
export { assertNotOwnApprovals, assertSeparateDuties, DutyRefusal, dutyRuleNames, dutyRules, recordRefusal, type DutyRule } from './segregation.ts';
export { removeExpiredAuditRecords, setAuditRetention, startAuditRetention } from './retention.ts';
export type { AuditTables } from './tables.ts';
export { auditTrailPage, type AuditFilter, type AuditPage, type AuditRecord } from './trail.ts';
