// Reply feedback without a page reload. Progressive enhancement only: the forms in
// views/feedback/reply-feedback.ejs work without this file (POST, then back to the reply).
(function () {
  'use strict';
  if (!window.fetch || !window.JSON) return;

  function announce(box, text) {
    var status = box.querySelector('[data-fb-status]');
    if (!status) return;
    // Clear first so the same message twice in a row is announced again.
    status.textContent = '';
    window.setTimeout(function () {
      status.textContent = text;
    }, 50);
  }

  function message(box, kind) {
    return box.getAttribute('data-msg-' + kind) || '';
  }

  function setHidden(el, hidden) {
    if (el) el.hidden = hidden;
  }

  function showHelpful(box, data) {
    var count = box.querySelector('[data-fb-count]');
    if (count) {
      var n = data.helpfulCount;
      count.textContent = n > 0 ? n + (n === 1 ? ' person' : ' people') + ' found this reply helpful' : '';
      count.hidden = !(n > 0);
    }
    var vote = data.yourVote;
    box.setAttribute('data-your-vote', vote === null ? '' : String(vote));
    var yes = box.querySelector('[data-fb-form="helpful"] button[value="yes"]');
    var no = box.querySelector('[data-fb-form="helpful"] button[value="no"]');
    if (yes) yes.setAttribute('aria-pressed', String(vote === true));
    if (no) no.setAttribute('aria-pressed', String(vote === false));
    setHidden(box.querySelector('[data-fb-form="unvote"]'), vote === null);
    showSatisfactionForm(box);
  }

  function showSatisfaction(box, data) {
    var score = data.yourScore;
    box.setAttribute('data-your-score', score === null ? '' : String(score));
    ensureRateForms(box);
    setHidden(box.querySelector('[data-fb-form="unrate"]'), score === null);
    if (score === null) {
      var form = box.querySelector('[data-fb-form="rate"]');
      if (form) {
        Array.prototype.forEach.call(form.querySelectorAll('input[name="score"]'), function (r) {
          r.checked = false;
        });
        var comment = form.querySelector('textarea[name="comment"]');
        if (comment) comment.value = '';
      }
    }
    showSatisfactionForm(box);
  }

  // The page renders the rating forms only under replies already voted on or rated; for the
  // others they come from the page's one <template id="fb-rate-template">, with the reply id
  // put in (views/feedback/_rate-template.ejs).
  function ensureRateForms(box) {
    if (box.querySelector('[data-fb-form="rate"]')) return;
    var tpl = document.getElementById('fb-rate-template');
    var id = box.getAttribute('data-reply-id') || '';
    if (!tpl || !/^[0-9a-f]{24}$/.test(id)) return;
    box.insertAdjacentHTML('beforeend', tpl.innerHTML.split('__REPLY__').join(id));
  }

  // "How satisfied are you with this reply?" appears after a vote (or with a rating).
  function showSatisfactionForm(box) {
    var voted = box.getAttribute('data-your-vote') !== '' || box.getAttribute('data-your-score') !== '';
    if (voted) ensureRateForms(box);
    setHidden(box.querySelector('[data-fb-form="rate"]'), !voted);
  }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    var kind = form.getAttribute('data-fb-form');
    var box = form.closest('[data-feedback]');
    if (!kind || !box) return;
    var replyId = box.getAttribute('data-reply-id');
    var tokenField = form.querySelector('input[name="_csrf"]');
    var base = '/api/replies/' + encodeURIComponent(replyId);
    var request;
    var done;

    if (kind === 'helpful') {
      var submitter = e.submitter;
      if (!submitter || submitter.name !== 'helpful') return; // let the browser send the form
      var helpful = submitter.value === 'yes';
      request = { method: 'POST', url: base + '/helpful', body: { helpful: helpful } };
      done = function (data) {
        showHelpful(box, data);
        announce(box, message(box, helpful ? 'yes' : 'no'));
      };
    } else if (kind === 'unvote') {
      request = { method: 'DELETE', url: base + '/helpful' };
      done = function (data) {
        showHelpful(box, data);
        announce(box, message(box, 'unvoted'));
      };
    } else if (kind === 'rate') {
      var checked = form.querySelector('input[name="score"]:checked');
      if (!checked) return; // the browser's own "required" message
      var body = { score: Number(checked.value) };
      var comment = form.querySelector('textarea[name="comment"]');
      if (comment && comment.value.trim()) body.comment = comment.value;
      request = { method: 'POST', url: base + '/satisfaction', body: body };
      done = function (data) {
        showSatisfaction(box, data);
        announce(box, message(box, 'rated'));
      };
    } else if (kind === 'unrate') {
      request = { method: 'DELETE', url: base + '/satisfaction' };
      done = function (data) {
        showSatisfaction(box, data);
        announce(box, message(box, 'unrated'));
      };
    } else {
      return;
    }

    e.preventDefault();
    var buttons = form.querySelectorAll('button');
    Array.prototype.forEach.call(buttons, function (b) {
      b.disabled = true;
    });
    var headers = { Accept: 'application/json', 'X-CSRF-Token': tokenField ? tokenField.value : '' };
    if (request.body) headers['Content-Type'] = 'application/json';

    fetch(request.url, {
      method: request.method,
      headers: headers,
      credentials: 'same-origin',
      body: request.body ? JSON.stringify(request.body) : undefined,
    })
      .then(function (res) {
        return res.json().then(
          function (data) {
            return { ok: res.ok, data: data };
          },
          function () {
            return { ok: false, data: {} };
          },
        );
      })
      .then(function (r) {
        if (r.ok) done(r.data);
        else announce(box, (r.data && r.data.error && r.data.error.message) || 'Your feedback could not be saved. Please try again.');
      })
      .catch(function () {
        announce(box, 'Your feedback could not be sent. Check your connection and try again.');
      })
      .then(function () {
        Array.prototype.forEach.call(buttons, function (b) {
          b.disabled = false;
        });
      });
  });
})();
