/* The admin's change pages, for editors who live in them.
 *
 * - Leaving the page with unsaved edits asks first: the form as sent when the page had
 *   loaded is compared with the form now, so typing, ticking, choosing in an autocomplete
 *   or reordering rows by dragging all count, and typing something back does not.
 * - A text box grows with its text while the editor types (the server sizes it to the
 *   text it opens with).
 */
(function () {
  "use strict";

  function changeForm() {
    return document.querySelector("#content-main form[id$='_form']");
  }

  function snapshot(form) {
    const parts = [];
    for (const [name, value] of new FormData(form)) {
      parts.push([name, typeof value === "string" ? value : value.name + ":" + value.size]);
    }
    return JSON.stringify(parts);
  }

  function grow(textarea) {
    if (textarea.scrollHeight > textarea.clientHeight) {
      textarea.style.height = textarea.scrollHeight + 4 + "px";
    }
  }

  window.addEventListener("load", function () {
    const form = changeForm();
    if (!form) {
      return;
    }
    const opened = snapshot(form);
    let submitting = false;
    form.addEventListener("submit", function () {
      submitting = true;
    });
    form.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA") {
        grow(event.target);
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && snapshot(form) !== opened) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  });
})();
