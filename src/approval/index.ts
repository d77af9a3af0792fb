export type { ApprovalDecision, SignedApproval } from './types.js';
export { packetDigest } from './digest.js';
export { approvalSigningBytes } from './payload.js';
export { issueApproval, attachApprovals, type IssueApprovalOptions } from './issue.js';
export { ApprovalVerifier, type ApprovalVerifierOptions, type ApprovalRejectionReason } from './verify.js';
