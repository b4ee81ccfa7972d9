/**
 * authgate's only script, served from <proxy-prefix>/static/authgate.js (CSP script-src 'self': no inline
 * script, no eval). It carries the URL fragment through sign-in: a browser never sends `#/pod/x?tab=logs` to a
 * server, so the sign-in page copies location.hash into the form's `fragment` field, and /oauth2/start
 * validates rd + fragment together. Forms marked data-authgate-auto (--skip-provider-button) submit at once.
 */
export const SCRIPT = `(function () {
  'use strict';
  function fragment() {
    return location.hash.length > 1 ? location.hash.slice(1) : '';
  }
  var forms = document.querySelectorAll('form[data-authgate-start]');
  Array.prototype.forEach.call(forms, function (form) {
    var field = form.elements.namedItem('fragment');
    if (!field) return;
    field.value = fragment();
    form.addEventListener('submit', function () {
      field.value = fragment();
    });
  });
  var auto = document.querySelector('form[data-authgate-auto]');
  if (auto) auto.requestSubmit ? auto.requestSubmit() : auto.submit();
})();
`;
