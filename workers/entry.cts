// The file the Piscina pool loads in each worker thread: a CommonJS module whose default export
// is the task function of worker.js, loaded with import(). Piscina require()s its filename
// first, and on Node 20.19+ and 22 a require() of an ES module aborts the whole process (a V8
// check in IsGraphAsync) when the worker is terminated while it loads: a context stopped while
// its workers still load (a job that failed at once), or a failed job's cancelled sibling whose
// replacement is terminated in turn. import() loads the same module asynchronously, and a
// terminated load just ends.
// Piscina awaits `default` (marked __esModule so that its require() interop leaves it as is)
// before the worker reports ready, as it awaited the module itself. A module that fails to load
// fails each task with its own error, where piscina would say only "No handler function".
export = {
  __esModule: true,
  default: import('./worker.js').then(
    (m) => m.default,
    (e: unknown) => (): never => {
      throw e;
    },
  ),
};
