// Progressive enhancement for uploads (views/uploads/_attach.ejs, views/messages/guard-panel.ejs).
// Without this file the forms still work: a file input and an "Upload and insert" button, and
// the guard panel's checkboxes. With it:
//   - choosing, pasting or dropping a file uploads it at once (POST /api/uploads) with a
//     progress bar and inserts its Markdown where the cursor is;
//   - the description (alt text) is asked for next to the preview, prefilled from the file
//     name, and kept in step with the Markdown;
//   - a public screenshot's check by the guard is shown as soon as it is done, and the member
//     can draw rectangles to blur before posting (POST /api/uploads/:id/blur);
//   - in the guard panel, the member can draw more areas to blur than the guard found.
// No inline script or style (the CSP forbids both): positions are set through the CSSOM.
(function () {
  'use strict';
  var root = document.documentElement;
  if (root.hasAttribute('data-uploads-ready')) return;
  root.setAttribute('data-uploads-ready', '');

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'className') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function csrfOf(form) {
    var input = form && form.querySelector('input[name="_csrf"]');
    return input ? input.value : '';
  }

  function errorMessage(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.error && body.error.message) return body.error.message;
    } catch (e) {
      /* not JSON */
    }
    return 'The upload failed (' + xhr.status + '). Please try again.';
  }

  function requestJson(method, url, token, body, onDone) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader('X-CSRF-Token', token);
    xhr.setRequestHeader('Accept', 'application/json');
    if (body !== null) xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.onload = function () {
      var data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch (e) {
        data = null;
      }
      onDone(xhr.status, data, xhr);
    };
    xhr.onerror = function () {
      onDone(0, null, xhr);
    };
    xhr.send(body === null ? null : JSON.stringify(body));
  }

  // Markdown label text: no brackets or line breaks (they would end the reference).
  function label(text) {
    return String(text || '')
      .replace(/[[\]\\\r\n]/g, ' ')
      .trim();
  }

  function markdownOf(kind, text, url) {
    return kind === 'image' ? '![' + label(text) + '](' + url + ')' : '[' + (label(text) || 'file') + '](' + url + ')';
  }

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(end);
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? '\n' : '\n\n') : '';
    var trail = after && !/^\n/.test(after) ? '\n\n' : '';
    textarea.setRangeText(lead + text + trail, start, end, 'end');
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function replaceInTextarea(textarea, from, to) {
    if (!from || textarea.value.indexOf(from) === -1) return false;
    textarea.value = textarea.value.split(from).join(to);
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    return true;
  }

  // ---- Drawing rectangles on an image (natural pixel coordinates) ----

  // A canvas over `img` on which the member drags rectangles; `onBox({x, y, w, h})` in the
  // image's natural pixels (naturalWidth, or `naturalSize` when the shown image is a scaled preview).
  function rectangleDrawer(img, boxes, onChange, naturalSize) {
    var canvas = el('canvas', { className: 'blur-canvas', 'aria-hidden': 'true' });
    var start = null;
    var current = null;
    function scale() {
      var w = naturalSize ? naturalSize.width : img.naturalWidth;
      return w / (img.clientWidth || 1);
    }
    function place() {
      canvas.width = img.clientWidth;
      canvas.height = img.clientHeight;
      canvas.style.left = img.offsetLeft + 'px';
      canvas.style.top = img.offsetTop + 'px';
      canvas.style.width = img.clientWidth + 'px';
      canvas.style.height = img.clientHeight + 'px';
      draw();
    }
    function draw() {
      var ctx = canvas.getContext('2d');
      var s = scale();
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.lineWidth = 2;
      boxes.concat(current ? [current] : []).forEach(function (b) {
        ctx.fillStyle = 'rgba(209, 36, 47, 0.25)';
        ctx.strokeStyle = '#d1242f';
        ctx.fillRect(b.x / s, b.y / s, b.w / s, b.h / s);
        ctx.strokeRect(b.x / s, b.y / s, b.w / s, b.h / s);
      });
    }
    function point(e) {
      var r = canvas.getBoundingClientRect();
      var s = scale();
      return { x: Math.max(0, e.clientX - r.left) * s, y: Math.max(0, e.clientY - r.top) * s };
    }
    canvas.addEventListener('pointerdown', function (e) {
      start = point(e);
      canvas.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    canvas.addEventListener('pointermove', function (e) {
      if (!start) return;
      var p = point(e);
      current = {
        x: Math.round(Math.min(start.x, p.x)),
        y: Math.round(Math.min(start.y, p.y)),
        w: Math.round(Math.abs(p.x - start.x)),
        h: Math.round(Math.abs(p.y - start.y)),
      };
      draw();
    });
    canvas.addEventListener('pointerup', function () {
      if (current && current.w >= 3 && current.h >= 3) {
        boxes.push(current);
        onChange(current);
      }
      start = null;
      current = null;
      draw();
    });
    img.parentNode.classList.add('blur-host');
    img.parentNode.appendChild(canvas);
    if (img.complete) place();
    img.addEventListener('load', place);
    window.addEventListener('resize', place);
    return {
      redraw: draw,
      remove: function () {
        canvas.remove();
        window.removeEventListener('resize', place);
      },
    };
  }

  // ---- The compose forms ----

  function enhanceAttach(fieldset) {
    var form = fieldset.closest('form');
    var textarea = document.getElementById(fieldset.getAttribute('data-attach-for'));
    var input = fieldset.querySelector('.attach-file');
    var list = fieldset.querySelector('.attach-list');
    if (!form || !textarea || !input || !list) return;
    var scope = fieldset.getAttribute('data-attach-scope') || 'public';
    var conversation = fieldset.getAttribute('data-attach-conversation') || '';
    fieldset.querySelectorAll('.attach-nojs').forEach(function (n) {
      n.hidden = true;
    });
    fieldset.querySelectorAll('.attach-js-hint').forEach(function (n) {
      n.hidden = false;
    });

    function upload(file) {
      var item = el('li', { className: 'attach-item' });
      var status = el('p', { className: 'attach-status', role: 'status' }, 'Uploading ' + (file.name || 'image') + '…');
      var progress = el('progress', { max: '100', value: '0', 'aria-label': 'Upload progress' });
      item.appendChild(status);
      item.appendChild(progress);
      list.appendChild(item);
      var data = new FormData();
      data.append(conversation ? 'conversationId' : 'scope', conversation || scope);
      data.append('file', file, file.name || 'pasted-screenshot.png');
      var xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/uploads');
      xhr.setRequestHeader('X-CSRF-Token', csrfOf(form));
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total);
      };
      xhr.onload = function () {
        progress.remove();
        if (xhr.status !== 201) {
          status.textContent = (file.name || 'The file') + ': ' + errorMessage(xhr);
          status.setAttribute('role', 'alert');
          item.classList.add('attach-failed');
          return;
        }
        var body = JSON.parse(xhr.responseText);
        showUploaded(item, status, body.upload);
      };
      xhr.onerror = function () {
        progress.remove();
        status.textContent = 'The upload failed: the connection was interrupted.';
        status.setAttribute('role', 'alert');
      };
      xhr.send(data);
    }

    function showUploaded(item, status, upload) {
      var state = { upload: upload, text: upload.kind === 'image' ? upload.alt : upload.name };
      var markdown = markdownOf(upload.kind, state.text, upload.url);
      insertAtCursor(textarea, markdown);
      status.textContent = (upload.kind === 'image' ? 'Image added: ' : 'File attached: ') + upload.name;
      item.setAttribute('data-upload-id', upload.id);
      if (upload.kind !== 'image') {
        item.appendChild(removeButton());
        return;
      }
      var figure = el('div', { className: 'attach-preview' });
      var img = el('img', { src: upload.thumbnailUrl || upload.url, alt: '' });
      figure.appendChild(img);
      item.appendChild(figure);
      var altId = 'alt-' + upload.id;
      var altLabel = el('label', { for: altId }, 'Description of this image (for people who cannot see it)');
      var alt = el('input', { type: 'text', id: altId, maxlength: '200', className: 'attach-alt' });
      alt.value = state.text;
      alt.addEventListener('input', function () {
        var before = markdownOf('image', state.text, state.upload.url);
        var after = markdownOf('image', alt.value, state.upload.url);
        if (replaceInTextarea(textarea, before, after)) state.text = alt.value;
      });
      alt.addEventListener('keydown', function (e) {
        if (e.key === 'Enter') e.preventDefault();
      });
      item.appendChild(altLabel);
      item.appendChild(alt);
      var guard = el('p', { className: 'attach-guard', role: 'status' });
      item.appendChild(guard);
      var actions = el('div', { className: 'attach-actions' });
      var blurButton = el('button', { type: 'button' }, 'Blur part of this image');
      actions.appendChild(blurButton);
      actions.appendChild(removeButton());
      item.appendChild(actions);
      blurButton.addEventListener('click', function () {
        openBlurTool(item, state, img, guard, []);
      });
      if (upload.scope === 'public' && upload.scan && upload.scan.status === 'pending') watchScan(state, guard, item, img);
      alt.focus();
      alt.select();

      function removeButton() {
        var b = el('button', { type: 'button', className: 'link-button' }, 'Remove');
        b.addEventListener('click', function () {
          replaceInTextarea(textarea, markdownOf(state.upload.kind, state.text, state.upload.url), '');
          item.remove();
        });
        return b;
      }
    }

    // The screenshot guard reads public images in the background: tell the member before they post.
    function watchScan(state, guard, item, img) {
      var tries = 0;
      guard.textContent = 'Checking the image for private information…';
      function poll() {
        requestJson('GET', '/api/uploads/' + state.upload.id, csrfOf(form), null, function (status, data) {
          var scan = status === 200 && data && data.upload && data.upload.scan;
          if (!scan || (scan.status === 'pending' && ++tries < 20)) return void setTimeout(poll, 1500);
          if (scan.status === 'flagged') {
            var kinds = scan.matches.map(function (m) {
              return m.label;
            });
            guard.textContent = 'This image seems to show: ' + kinds.join(', ') + '. Blur those areas before posting.';
            guard.classList.add('attach-guard-found');
            openBlurTool(
              item,
              state,
              img,
              guard,
              scan.matches.map(function (m) {
                return m.box;
              }),
            );
          } else if (scan.status === 'clean') {
            guard.textContent = 'No private information found in this image.';
          } else {
            guard.textContent = '';
          }
        });
      }
      setTimeout(poll, 800);
    }

    function openBlurTool(item, state, img, guard, found) {
      if (item.querySelector('.blur-tool')) return;
      var tool = el('div', { className: 'blur-tool' });
      var help = el(
        'p',
        { className: 'hint' },
        'Drag over the parts to hide; they are replaced by a flat colour and the original image is deleted.',
      );
      var stage = el('div', { className: 'blur-stage' });
      var full = el('img', { src: state.upload.url, alt: 'The image to blur' });
      stage.appendChild(full);
      var boxes = found.slice();
      var count = el('p', { className: 'hint', role: 'status' });
      function counted() {
        count.textContent = boxes.length + (boxes.length === 1 ? ' area' : ' areas') + ' marked.';
      }
      var drawer = rectangleDrawer(full, boxes, counted);
      var apply = el('button', { type: 'button', className: 'primary' }, 'Blur the marked areas');
      var clear = el('button', { type: 'button' }, 'Clear');
      var cancel = el('button', { type: 'button', className: 'link-button' }, 'Close');
      tool.appendChild(help);
      tool.appendChild(stage);
      tool.appendChild(count);
      tool.appendChild(apply);
      tool.appendChild(clear);
      tool.appendChild(cancel);
      item.appendChild(tool);
      counted();
      clear.addEventListener('click', function () {
        boxes.length = 0;
        drawer.redraw();
        counted();
      });
      cancel.addEventListener('click', function () {
        drawer.remove();
        tool.remove();
      });
      apply.addEventListener('click', function () {
        if (!boxes.length) return void (count.textContent = 'Mark at least one area first.');
        apply.disabled = true;
        count.textContent = 'Blurring…';
        requestJson(
          'POST',
          '/api/uploads/' + state.upload.id + '/blur',
          csrfOf(form),
          { boxes: boxes, mode: 'fill' },
          function (status, data, xhr) {
            apply.disabled = false;
            if (status !== 201 || !data) return void (count.textContent = errorMessage(xhr));
            var old = state.upload;
            state.upload = data.upload;
            replaceInTextarea(textarea, old.url, state.upload.url);
            item.setAttribute('data-upload-id', state.upload.id);
            img.src = state.upload.thumbnailUrl || state.upload.url;
            drawer.remove();
            tool.remove();
            guard.classList.remove('attach-guard-found');
            guard.textContent = 'Blurred. The original image was deleted.';
            if (state.upload.scan && state.upload.scan.status === 'pending') watchScan(state, guard, item, img);
          },
        );
      });
    }

    input.addEventListener('change', function () {
      Array.prototype.forEach.call(input.files || [], upload);
      input.value = ''; // uploaded already: the form must not send it again
    });
    textarea.addEventListener('paste', function (e) {
      var files = e.clipboardData ? Array.prototype.slice.call(e.clipboardData.files || []) : [];
      if (!files.length) return;
      e.preventDefault();
      files.forEach(upload);
    });
    textarea.addEventListener('dragover', function (e) {
      if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, 'Files') !== -1) {
        e.preventDefault();
        textarea.classList.add('drop-target');
      }
    });
    textarea.addEventListener('dragleave', function () {
      textarea.classList.remove('drop-target');
    });
    textarea.addEventListener('drop', function (e) {
      textarea.classList.remove('drop-target');
      var files = e.dataTransfer ? Array.prototype.slice.call(e.dataTransfer.files || []) : [];
      if (!files.length) return;
      e.preventDefault();
      files.forEach(upload);
    });
  }

  // ---- The guard panel: draw more areas than the guard found ----

  function enhanceGuardImage(figure) {
    var id = figure.getAttribute('data-upload-id');
    var width = Number(figure.getAttribute('data-width'));
    var height = Number(figure.getAttribute('data-height'));
    var img = figure.querySelector('img');
    var areas = figure.querySelector('.guard-areas');
    if (!id || !width || !height || !img || !areas) return;
    var hint = el('p', { className: 'hint' }, 'You can also drag over the image to mark more areas to blur.');
    areas.appendChild(hint);
    var own = 0;
    rectangleDrawer(
      img,
      [],
      function (b) {
        own++;
        var boxId = 'guard-' + id + '-own-' + own;
        var row = el('div', { className: 'checkbox' });
        var cb = el('input', { type: 'checkbox', name: 'blur', id: boxId, value: id + ':' + b.x + ',' + b.y + ',' + b.w + ',' + b.h });
        cb.checked = true;
        row.appendChild(cb);
        row.appendChild(el('label', { for: boxId }, 'Your area ' + own));
        areas.insertBefore(row, hint);
      },
      { width: width, height: height },
    );
  }

  function init() {
    document.querySelectorAll('fieldset.attach[data-attach-for]').forEach(enhanceAttach);
    document.querySelectorAll('.guard-image[data-upload-id]').forEach(enhanceGuardImage);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
