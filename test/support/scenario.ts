// The scenario builder lives with the demo, which plays the same device lines into a running pipeline;
// tests read it from here.
export * from '../../infra/demo/scenario.ts';
