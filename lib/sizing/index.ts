export * from './sizing';
