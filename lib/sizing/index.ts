export * from './sizing';
export * from './stack-sizing';
