export * from './auth-proxy';
export * from './ui-access';
