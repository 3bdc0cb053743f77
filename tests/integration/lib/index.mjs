// Everything a test needs, from one import.
export * from './env.mjs';
export * from './http.mjs';
export * from './jwt.mjs';
export * from './stack.mjs';
export * from './assert.mjs';
