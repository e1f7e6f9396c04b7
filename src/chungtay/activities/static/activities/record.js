// The one-screen recording (activities/activity_form.html): find a teacher on the roster, tick everyone
// shown, count the ticks, hide attendance while the activity is only planned, and make large photos
// smaller on the phone before they are sent (the server checks and re-encodes them whatever arrives).
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=record-form]");
  if (!form) return;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d").toLowerCase();
  }

  // the roster
  var search = form.querySelector("[data-roster-search]");
  var tickShown = form.querySelector("[data-roster-tick]");
  var ticked = form.querySelector("[data-roster-ticked]");
  var items = Array.prototype.slice.call(form.querySelectorAll(".roster-item"));
  var keys = items.map(function (item) { return fold(item.textContent); });
  function count() {
    if (ticked) ticked.textContent = String(form.querySelectorAll(".roster-item input:checked").length);
  }
  if (search && items.length) {
    search.hidden = false;
    tickShown.hidden = false;
    search.addEventListener("input", function () {
      var words = fold(search.value).split(/\s+/).filter(Boolean);
      items.forEach(function (item, i) {
        item.hidden = !words.every(function (w) { return keys[i].indexOf(w) !== -1; });
      });
    });
    // Enter in the search box must not send the form
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
    tickShown.addEventListener("click", function () {
      items.forEach(function (item) {
        if (!item.hidden) item.querySelector("input").checked = true;
      });
      count();
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target === form) { count(); showHeld(); return; }  // the draft put back (offline.js)
    if (event.target.closest && event.target.closest(".roster-item")) count();
  });
  count();

  // attendance belongs to a held activity
  var heldOnly = form.querySelectorAll("[data-held-only]");
  function showHeld() {
    var planned = form.querySelector("input[name=when][value=planned]");
    var hide = Boolean(planned && planned.checked);
    Array.prototype.forEach.call(heldOnly, function (el) {
      el.hidden = hide;
      Array.prototype.forEach.call(el.querySelectorAll("input, textarea"), function (input) { input.disabled = hide; });
    });
  }
  Array.prototype.forEach.call(form.querySelectorAll("input[name=when]"), function (radio) {
    radio.addEventListener("change", showHeld);
  });
  showHeld();

  // photos: at most MAX_SIDE px on the longer side, as JPEG, where the browser can
  var MAX_SIDE = 1920;
  var photos = form.querySelector("input[type=file][name=photos]");
  var state = form.querySelector("[data-photo-state]");
  var saveButton = form.querySelector("[type=submit]");
  function smaller(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap || !window.DataTransfer) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 1500000) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(file);
          resolve(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }
  if (photos) {
    photos.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(photos.files);
      if (!chosen.length) { if (state) state.textContent = ""; return; }
      if (saveButton) saveButton.disabled = true;
      Promise.all(chosen.map(smaller)).then(function (files) {
        if (window.DataTransfer) {
          var list = new DataTransfer();
          files.forEach(function (f) { list.items.add(f); });
          photos.files = list.files;
        }
        var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
        if (state) {
          state.textContent = files.length + " " + (state.getAttribute("data-photo-word") || "") + " · " +
            (total / 1048576).toFixed(1).replace(".", state.getAttribute("data-decimal") || ".") + " MB";
        }
      }).finally(function () {
        if (saveButton) saveButton.disabled = false;
      });
    });
  }
})();
