// The one place the shared model lives; every stage imports it from here.
export * from './common.ts';
export * from './event.ts';
export * from './approval.ts';
export * from './registry.ts';
export * from './session.ts';
export * from './finding.ts';
export * from './notice.ts';
export * from './reconciliation.ts';
export * from './deadletter.ts';
export * from './ids.ts';
export * from './charset.ts';
export * from './raw.ts';
export * from './frames.ts';
export * from './network.ts';
export * from './alert.ts';
export * from './tokyo-time.ts';
