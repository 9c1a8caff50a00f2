// Progressive enhancement only: every feature works without this file.
(function () {
  'use strict';
  document.addEventListener('click', function (e) {
    var t = e.target;
    if (t instanceof HTMLElement && t.matches('[data-confirm]')) {
      if (!window.confirm(t.getAttribute('data-confirm'))) e.preventDefault();
    }
  });
})();
