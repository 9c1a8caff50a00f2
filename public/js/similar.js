// "Similar questions" while typing a title on /ask. Progressive enhancement only: without
// this file the Preview button shows the same list from the server.
(function () {
  'use strict';
  if (!window.fetch || !window.JSON) return;
  var input = document.getElementById('ask-title');
  var region = document.getElementById('similar-questions');
  if (!input || !region) return;

  var STATUS = { open: 'Awaiting support', awaiting_asker: 'Awaiting the asker', answered: 'Answered', locked: 'Locked' };
  var timer = null;
  var lastAsked = '';
  var seq = 0;

  function render(threads) {
    region.textContent = '';
    if (!threads.length) return;
    var heading = document.createElement('h2');
    heading.className = 'similar-heading';
    heading.textContent = 'Similar questions';
    var list = document.createElement('ul');
    list.className = 'similar-list';
    threads.forEach(function (t) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = t.url;
      a.textContent = t.title;
      var badge = document.createElement('span');
      badge.className = 'status status-' + t.status;
      badge.textContent = STATUS[t.status] || t.status;
      li.appendChild(badge);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(a);
      list.appendChild(li);
    });
    region.appendChild(heading);
    region.appendChild(list);
  }

  function lookUp() {
    var title = input.value.trim().slice(0, 200);
    if (title === lastAsked) return;
    lastAsked = title;
    if (title.length < 4) {
      render([]);
      return;
    }
    var mine = ++seq;
    fetch('/api/search/similar?title=' + encodeURIComponent(title), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) {
        return res.ok ? res.json() : { threads: [] };
      })
      .then(function (data) {
        if (mine === seq) render(data.threads || []);
      })
      .catch(function () {
        /* suggestions are optional */
      });
  }

  input.addEventListener('input', function () {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, 300);
  });
})();
