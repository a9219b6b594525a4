(function () {
  'use strict';
  // Opens every <details> around an element, so a link into a folded section shows it.
  function reveal(id) {
    var target = document.getElementById(id);
    if (!target) return;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === 'DETAILS') node.open = true;
    }
    target.scrollIntoView();
  }
  window.addEventListener('hashchange', function () {
    reveal(decodeURIComponent(location.hash.slice(1)));
  });
  if (location.hash) reveal(decodeURIComponent(location.hash.slice(1)));

  // Expand or fold every block of a section.
  document.querySelectorAll('button[data-open]').forEach(function (button) {
    button.addEventListener('click', function () {
      var open = button.getAttribute('data-open') === 'yes';
      document.querySelectorAll(button.getAttribute('data-scope') + ' details').forEach(function (d) {
        d.open = open;
      });
    });
  });

  // Show only the blocks whose text holds what is typed.
  document.querySelectorAll('input[data-filter]').forEach(function (input) {
    input.addEventListener('input', function () {
      var wanted = input.value.toLowerCase();
      document.querySelectorAll(input.getAttribute('data-filter') + ' details.block').forEach(function (d) {
        d.hidden = wanted !== '' && d.textContent.toLowerCase().indexOf(wanted) < 0;
      });
    });
  });

  // Hide the requirement rows of a coverage status.
  document.querySelectorAll('input[data-status]').forEach(function (box) {
    box.addEventListener('change', function () {
      document.body.classList.toggle('hide-' + box.getAttribute('data-status'), !box.checked);
    });
  });

  // The tools only work with this script: shown once it runs.
  document.querySelectorAll('.tools').forEach(function (tools) { tools.hidden = false; });
  document.documentElement.setAttribute('data-ready', 'yes');
})();
