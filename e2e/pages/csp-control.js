// Positive control for e2e/csp.spec.ts, added to a /csp/ page on demand: what the policy must refuse.
// (Code run through Playwright's page.evaluate is exempt from the page's eval rules, so the control
// has to be a real page script.)
(function () {
  var control = { eval: 'allowed', worker: 'pending' };
  window.cspControl = control;
  try {
    new Function('return 1')();
  } catch (error) {
    control.eval = error.name;
  }
  // Chromium does not throw for a blocked worker URL: it reports a violation and fires `error` later.
  try {
    var url = URL.createObjectURL(new Blob(['postMessage("up")'], { type: 'application/javascript' }));
    var worker = new Worker(url);
    control.workerConstructor = 'did not throw';
    worker.onmessage = function () { control.worker = 'ran'; worker.terminate(); };
    worker.onerror = function () { control.worker = 'error event'; };
  } catch (error) {
    control.workerConstructor = error.name;
    control.worker = 'refused';
  }
})();
