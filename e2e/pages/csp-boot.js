// Ready once the control ran (csp-control.html) or once the UMD bundle defined window.WebMqtt and the harness is loaded (no inline script under CSP).
window.sdkReady = window.cspControl !== undefined || (typeof window.WebMqtt === 'object' && typeof window.makeHarness === 'function');
