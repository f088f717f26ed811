// The city of the scenarios lives with the demo, which plays a day of it into a running pipeline; tests read
// it from here.
export * from '../../infra/demo/city.ts';
